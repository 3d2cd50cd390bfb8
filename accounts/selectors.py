"""Reads for the account pages."""

from accounts.exceptions import InvalidToken
from accounts.tokens import EmailChangeRequest, email_change_token_read
from orders.selectors import order_list_for_customer
from shop.identity import email_canonical
from shop.models import User


def email_change_request_get(*, token: str) -> EmailChangeRequest:
    """The change an email-change link asks for, if it can still be made.

    Raises InvalidToken when the token is tampered with or expired, or when the account is gone,
    inactive or no longer has the address the link was made for (so a used link stays dead).
    """
    change = email_change_token_read(token=token)
    if not User.objects.filter(
        pk=change.user_id, is_active=True, email_canonical=email_canonical(change.old_email)
    ).exists():
        raise InvalidToken()
    return change


def user_get_by_email(*, email: str) -> User | None:
    """The account that has this email address (the same identity sign-in uses), or None."""
    return User.objects.filter(email_canonical=email_canonical(email)).first()


def user_language_get(*, user: User, default: str) -> str:
    """The language to write to user in: that of their latest order, else `default`.

    Accounts store no language of their own; an order records the one its customer shopped in.
    """
    latest = order_list_for_customer(user=user).prefetch_related(None).only("language").first()
    return latest.language if latest is not None and latest.language else default
