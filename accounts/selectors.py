"""Reads for the account pages."""

from accounts.exceptions import InvalidToken
from accounts.tokens import EmailChangeRequest, email_change_token_read
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
