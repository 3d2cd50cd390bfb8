"""Recently viewed: the product ids a shopper looked at, kept in their session, latest first."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

RECENTLY_VIEWED_SESSION_KEY = "recently_viewed"
RECENTLY_VIEWED_MAX = 12
_MAX_PRODUCT_ID = 2**63 - 1


def recently_viewed_ids(*, session: Mapping[str, Any]) -> list[int]:
    """Product ids the shopper viewed, latest first; anything malformed in the session is ignored."""
    raw = session.get(RECENTLY_VIEWED_SESSION_KEY)
    if not isinstance(raw, list):
        return []
    ids: list[int] = []
    for value in raw[:RECENTLY_VIEWED_MAX]:
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_PRODUCT_ID
        if valid and value not in ids:
            ids.append(value)
    return ids


def recently_viewed_record(*, session: MutableMapping[str, Any], product_id: int) -> None:
    """Put ``product_id`` first in the session's recently viewed list (at most RECENTLY_VIEWED_MAX).

    Leaves the session untouched when the product is already first, so
    reloading a page does not write the session again.
    """
    ids = recently_viewed_ids(session=session)
    if ids[:1] == [product_id] and session.get(RECENTLY_VIEWED_SESSION_KEY) == ids:
        return
    ids = [product_id, *(pk for pk in ids if pk != product_id)][:RECENTLY_VIEWED_MAX]
    # A new list (not a mutated one) marks the session modified.
    session[RECENTLY_VIEWED_SESSION_KEY] = ids
