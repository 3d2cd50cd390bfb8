"""A guest's wishlist: product ids in the session, latest first, joined to the account at sign-in."""

from collections.abc import Mapping, MutableMapping
from typing import Any

WISHLIST_SESSION_KEY = "wishlist"
# A signed-in customer's limit too (wishlists.services): a list, not a second catalogue.
WISHLIST_MAX_ITEMS = 100
_MAX_PRODUCT_ID = 2**63 - 1


def wishlist_session_ids(*, session: Mapping[str, Any]) -> list[int]:
    """The guest's saved product ids, latest first; anything malformed in the session is ignored."""
    raw = session.get(WISHLIST_SESSION_KEY)
    if not isinstance(raw, list):
        return []
    ids: list[int] = []
    for value in raw[:WISHLIST_MAX_ITEMS]:
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_PRODUCT_ID
        if valid and value not in ids:
            ids.append(value)
    return ids


def wishlist_session_add(*, session: MutableMapping[str, Any], product_id: int) -> bool:
    """Save ``product_id`` first; False, changing nothing, when it is saved already or the list is full."""
    ids = wishlist_session_ids(session=session)
    if product_id in ids or len(ids) >= WISHLIST_MAX_ITEMS:
        return False
    # A new list (not a mutated one) marks the session modified.
    session[WISHLIST_SESSION_KEY] = [product_id, *ids]
    return True


def wishlist_session_remove(*, session: MutableMapping[str, Any], product_id: int) -> None:
    """Take ``product_id`` off the guest's list (nothing happens when it is not there)."""
    ids = wishlist_session_ids(session=session)
    if product_id in ids:
        session[WISHLIST_SESSION_KEY] = [pk for pk in ids if pk != product_id]


def wishlist_session_clear(*, session: MutableMapping[str, Any]) -> None:
    session.pop(WISHLIST_SESSION_KEY, None)
