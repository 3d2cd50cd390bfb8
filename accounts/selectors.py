"""Reads for the account pages."""

from django.http import Http404

from accounts.exceptions import InvalidToken
from accounts.models import SavedAddress
from accounts.tokens import EmailChangeRequest, email_change_token_read
from orders.address_book import BookEntry
from orders.selectors import order_list_for_customer
from shop.addresses import ADDRESS_FIELDS
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


def saved_address_list(*, user: User) -> list[SavedAddress]:
    """The customer's address book, the default first, then the newest (one query)."""
    return list(SavedAddress.objects.filter(user=user).order_by("-is_default", "-created_at", "-id"))


def saved_address_get_visible(*, user: User, address_id: int) -> SavedAddress:
    """One address of the customer's own book; Http404 for anyone else's, exactly as for a missing one."""
    address = SavedAddress.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise Http404("No such address.")
    return address


def saved_address_book_entries(user: User) -> list[BookEntry]:
    """The customer's addresses as checkout shows them (orders.address_book), the default first."""
    return [
        BookEntry(
            id=address.pk,
            is_default=address.is_default,
            recipient_name=address.recipient_name,
            phone=address.phone,
            country=address.country,
            lines=tuple(address.address_lines),
            values={name: getattr(address, name) for name in ADDRESS_FIELDS},
        )
        for address in saved_address_list(user=user)
    ]
