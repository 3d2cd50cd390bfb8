"""The checkout's state in the session: the idempotency token of the next order, and input kept
while the shopper leaves the page (docs/architecture.md, "Idempotency")."""

import uuid
from collections.abc import Mapping, MutableMapping
from typing import Any

from django.utils.crypto import salted_hmac

CHECKOUT_TOKEN_SESSION_KEY = "checkout_token"
# How many orders this session has placed: with the session key, it names the next token.
CHECKOUT_PLACED_SESSION_KEY = "checkout_placed"
# Tokens of the last orders this session placed: a repeated submit may still be sent to them.
CHECKOUT_USED_SESSION_KEY = "checkout_used"
CHECKOUT_USED_KEPT = 5


def _checkout_placed_count(session: MutableMapping[str, Any]) -> int:
    count = session.get(CHECKOUT_PLACED_SESSION_KEY, 0)
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0


def _checkout_token_derive(*, session_key: str, placed: int) -> uuid.UUID:
    digest = salted_hmac("orders.checkout_token", f"{session_key}:{placed}", algorithm="sha256").digest()
    return uuid.UUID(bytes=digest[:16], version=4)


CHECKOUT_DRAFT_SESSION_KEY = "checkout_draft"


def checkout_draft_save(*, session: MutableMapping[str, Any], values: Mapping[str, str]) -> None:
    """Keep what the shopper has typed at checkout, unchecked, for the next checkout page only.

    Used when the page is left before ordering (switching language); the
    caller passes the form's own fields only, each cut to what the field takes.
    """
    session[CHECKOUT_DRAFT_SESSION_KEY] = {name: str(value) for name, value in values.items()}


def checkout_draft_pop(*, session: MutableMapping[str, Any]) -> dict[str, str]:
    """The kept checkout input, removed from the session; {} when there is none."""
    draft = session.pop(CHECKOUT_DRAFT_SESSION_KEY, None)
    if not isinstance(draft, dict):
        return {}
    return {name: value for name, value in draft.items() if isinstance(name, str) and isinstance(value, str)}


def checkout_token_issue(*, session: MutableMapping[str, Any]) -> uuid.UUID:
    """The idempotency token for this session's next order, the same until an order is placed with it.

    Every checkout page of the session (two tabs, a reload, the back button)
    carries the same token until an order is placed with it, so all their
    submits make one order (docs/architecture.md, "Idempotency"). It is derived from the session key and the
    number of orders the session has placed (an HMAC under SECRET_KEY), so
    showing the checkout page writes nothing; only a session without a key
    yet stores a random token.
    """
    try:
        return uuid.UUID(str(session[CHECKOUT_TOKEN_SESSION_KEY]))
    except (KeyError, ValueError):
        pass
    if session_key := getattr(session, "session_key", None):
        return _checkout_token_derive(session_key=session_key, placed=_checkout_placed_count(session))
    token = uuid.uuid4()
    session[CHECKOUT_TOKEN_SESSION_KEY] = str(token)
    return token


def checkout_token_forget(*, session: MutableMapping[str, Any], token: uuid.UUID) -> None:
    """Retire the session's token once its order exists; the next checkout gets a new one."""
    if session.get(CHECKOUT_TOKEN_SESSION_KEY) == str(token):
        del session[CHECKOUT_TOKEN_SESSION_KEY]
    used = session.get(CHECKOUT_USED_SESSION_KEY)
    used = [value for value in used if isinstance(value, str)] if isinstance(used, list) else []
    session[CHECKOUT_USED_SESSION_KEY] = [*used, str(token)][-CHECKOUT_USED_KEPT:]
    session_key = getattr(session, "session_key", None)
    placed = _checkout_placed_count(session)
    if session_key and token == _checkout_token_derive(session_key=session_key, placed=placed):
        session[CHECKOUT_PLACED_SESSION_KEY] = placed + 1


def checkout_token_issued_here(*, session: MutableMapping[str, Any], token: uuid.UUID) -> bool:
    """Whether this session was given ``token``: its current one, or one of an order it placed.

    A repeated submit finds the order its token already placed; only the session that
    placed it may be sent on to it, so knowing someone's token shows nothing of their order.
    """
    if session.get(CHECKOUT_TOKEN_SESSION_KEY) == str(token):
        return True
    used = session.get(CHECKOUT_USED_SESSION_KEY)
    if isinstance(used, list) and str(token) in used:
        return True
    session_key = getattr(session, "session_key", None)
    return bool(session_key) and any(
        token == _checkout_token_derive(session_key=session_key, placed=placed)
        for placed in range(_checkout_placed_count(session) + 1)
    )
