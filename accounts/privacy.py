"""A customer's rights over their data (PIPL, GDPR): a copy of it, and deleting the account.

The account's own fields are exported and deleted here; every other app contributes its
part through the registry in ``shop.privacy`` (orders are kept for the books with every
personal field replaced, support tickets become anonymous, back-in-stock requests go).
"""

import logging
from functools import partial
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.exceptions import AccountHasOpenOrders, StaffAccountNotDeletable
from accounts.models import SavedAddress
from shop.addresses import ADDRESS_FIELDS
from shop.models import User
from shop.privacy import ErasureBlocked, PrivacyPart, privacy_fields, privacy_part_list, privacy_value

logger = logging.getLogger("shop.auth")

EXPORT_FORMAT_VERSION = 1
ACCOUNT_FIELDS = (
    "email",
    "full_name",
    "phone",
    "date_joined",
    "last_login",
    "email_verified_at",
)


def privacy_export(*, user: User) -> dict[str, Any]:
    """Everything the shop keeps about this customer, as JSON-ready data.

    Account fields, then each part under its key: the address book, orders with their lines
    (those the account page shows), support tickets with the messages the customer sent,
    back-in-stock requests. Nothing about anyone else.
    """
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": privacy_value(timezone.now()),
        "shop": settings.SHOP_NAME,
        "account": privacy_fields(user, ACCOUNT_FIELDS),
        **{part.key: part.export(user) for part in privacy_part_list()},
    }


SAVED_ADDRESS_FIELDS = ("recipient_name", "phone", *ADDRESS_FIELDS, "is_default", "created_at", "updated_at")


def _addresses_export(user: User) -> list[dict[str, Any]]:
    addresses = SavedAddress.objects.filter(user=user).order_by("-is_default", "-created_at", "-id")
    return [privacy_fields(address, SAVED_ADDRESS_FIELDS) for address in addresses]


def _addresses_erase(user: User) -> None:
    # Nothing to keep for the books: an order holds its own copy of the address it shipped to.
    SavedAddress.objects.filter(user=user).delete()


ADDRESSES_PRIVACY_PART = PrivacyPart(key="addresses", export=_addresses_export, erase=_addresses_erase)


@transaction.atomic(durable=True)
def account_delete(*, user: User) -> None:
    """Delete a customer's account and anonymise what the shop must keep.

    Locks the user row first, then lets every app's privacy part erase its rows (each
    locks what it decides on); then deletes the sign-in throttling records for the address
    and the user row (its sessions stop working: they point at an account that no longer
    exists; the caller logs the current one out).

    Raises StaffAccountNotDeletable for staff, AccountHasOpenOrders while an order is still
    awaiting payment or shipment, or on its way; nothing changes then.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_superuser:
        raise StaffAccountNotDeletable()
    try:
        for part in privacy_part_list():
            part.erase(user)
    except ErasureBlocked as blocked:
        raise AccountHasOpenOrders(blocked.items) from blocked
    AccessAttempt.objects.filter(username=user.email_canonical).delete()
    user_id = user.pk
    user.delete()
    transaction.on_commit(
        partial(logger.info, "account deleted", extra={"event": "auth.account_deleted", "user_id": user_id})
    )
