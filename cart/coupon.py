"""The coupon code a shopper has applied, kept in the session beside the cart.

Only the code is kept, never what it is worth: every page prices the cart afresh
(promotions.pricing), and a code that stops applying is removed with a message.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from promotions.codes import coupon_code_canonical

COUPON_SESSION_KEY = "coupon"


def cart_coupon_get(*, session: Mapping[str, Any]) -> str:
    """The applied code in its canonical form, or "" when there is none (or the session holds junk)."""
    code = session.get(COUPON_SESSION_KEY)
    return coupon_code_canonical(code) if isinstance(code, str) else ""


def cart_coupon_set(*, session: MutableMapping[str, Any], code: str) -> None:
    """Keep ``code`` (canonical) as the applied coupon, replacing any other."""
    session[COUPON_SESSION_KEY] = code


def cart_coupon_remove(*, session: MutableMapping[str, Any]) -> None:
    """Forget the applied coupon."""
    session.pop(COUPON_SESSION_KEY, None)
