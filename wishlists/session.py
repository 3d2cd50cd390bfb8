"""A guest's wishlist: product ids in the session, latest first, joined to the account at sign-in."""

from collections.abc import Collection, Mapping, MutableMapping
from typing import Any

from django.conf import settings

WISHLIST_SESSION_KEY = "wishlist"
MAX_PRODUCT_ID = 2**63 - 1


def wishlist_session_ids(*, session: Mapping[str, Any]) -> list[int]:
    """The guest's saved product ids, latest first; anything malformed in the session is ignored."""
    raw = session.get(WISHLIST_SESSION_KEY)
    if not isinstance(raw, list):
        return []
    ids: list[int] = []
    for value in raw[: settings.WISHLIST_MAX_ITEMS]:
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PRODUCT_ID
        if valid and value not in ids:
            ids.append(value)
    return ids


def wishlist_session_set(*, session: MutableMapping[str, Any], product_ids: Collection[int]) -> None:
    # A new list (not a mutated one) marks the session modified.
    session[WISHLIST_SESSION_KEY] = list(product_ids)


def wishlist_session_remove(*, session: MutableMapping[str, Any], product_id: int) -> bool:
    """Take ``product_id`` off the guest's list; False when it was not there (nothing changes)."""
    ids = wishlist_session_ids(session=session)
    if product_id not in ids:
        return False
    wishlist_session_set(session=session, product_ids=[pk for pk in ids if pk != product_id])
    return True


def wishlist_session_clear(*, session: MutableMapping[str, Any]) -> None:
    session.pop(WISHLIST_SESSION_KEY, None)
