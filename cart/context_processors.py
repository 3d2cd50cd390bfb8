from django.http import HttpRequest

from cart.selectors import cart_count_get


def cart(request: HttpRequest) -> dict:
    """The header's cart count, read from the session: no query of its own."""
    session = getattr(request, "session", None)
    return {"cart_count": cart_count_get(session=session) if session is not None else 0}
