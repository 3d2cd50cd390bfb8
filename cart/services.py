"""Write paths of the session cart (``{variant_id: quantity}`` in the session).

The cart holds no prices: they are read fresh from the catalogue on every view.
Stock is checked here so the cart never asks for more than exists, but it is
only taken at checkout (orders.services.order_place).
"""

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from cart.exceptions import OutOfStock, VariantUnavailable
from cart.selectors import SESSION_KEY, cart_quantities_get
from catalog.models import Variant

MAX_LINE_QUANTITY = 999


@dataclass(frozen=True)
class CartChange:
    """What a cart write did: the line's new quantity and whether stock capped it."""

    variant_id: int
    name: str
    quantity: int
    requested: int

    @property
    def capped(self) -> bool:
        return self.quantity < self.requested


def _cart_save(session: MutableMapping[str, Any], quantities: dict[int, int]) -> None:
    # Assigning a new dict (not mutating the old one) marks the session modified.
    session[SESSION_KEY] = {str(variant_id): quantity for variant_id, quantity in quantities.items()}


def _variant_for_sale(variant_id: int) -> Variant:
    try:
        return Variant.objects.select_related("product").get(
            pk=variant_id, is_active=True, product__is_active=True
        )
    except Variant.DoesNotExist:
        raise VariantUnavailable(variant_id=variant_id) from None


def cart_add(*, session: MutableMapping[str, Any], variant_id: int, quantity: int) -> CartChange:
    """Add ``quantity`` units of a variant; the line is capped at the stock available.

    Raises VariantUnavailable (unknown or inactive variant) or OutOfStock (sold
    out, or the cart already holds every unit); on either the cart is unchanged.
    """
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    variant = _variant_for_sale(variant_id)
    quantities = cart_quantities_get(session=session)
    in_cart = quantities.get(variant_id, 0)
    limit = min(variant.stock, MAX_LINE_QUANTITY)
    if in_cart >= limit:
        raise OutOfStock(variant_id=variant_id, available=variant.stock, name=str(variant), in_cart=in_cart)
    requested = in_cart + quantity
    quantities[variant_id] = min(requested, limit)
    _cart_save(session, quantities)
    return CartChange(
        variant_id=variant_id, name=str(variant), quantity=quantities[variant_id], requested=requested
    )


def cart_update(*, session: MutableMapping[str, Any], variant_id: int, quantity: int) -> CartChange:
    """Set a line's quantity; 0 removes it (always allowed, even for a withdrawn variant).

    A quantity above the stock is capped at the stock. Raises VariantUnavailable
    or OutOfStock (sold out) for a positive quantity; the cart is then unchanged.
    """
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    quantities = cart_quantities_get(session=session)
    if quantity == 0:
        quantities.pop(variant_id, None)
        _cart_save(session, quantities)
        return CartChange(variant_id=variant_id, name="", quantity=0, requested=0)
    variant = _variant_for_sale(variant_id)
    limit = min(variant.stock, MAX_LINE_QUANTITY)
    if limit <= 0:
        raise OutOfStock(
            variant_id=variant_id, available=0, name=str(variant), in_cart=quantities.get(variant_id, 0)
        )
    quantities[variant_id] = min(quantity, limit)
    _cart_save(session, quantities)
    return CartChange(
        variant_id=variant_id, name=str(variant), quantity=quantities[variant_id], requested=quantity
    )


def cart_prune(*, session: MutableMapping[str, Any], variant_ids: Iterable[int]) -> None:
    """Drop lines whose variants no longer exist."""
    quantities = cart_quantities_get(session=session)
    for variant_id in variant_ids:
        quantities.pop(variant_id, None)
    _cart_save(session, quantities)


def cart_clear(*, session: MutableMapping[str, Any]) -> None:
    """Empty the cart (after a successful checkout)."""
    session.pop(SESSION_KEY, None)
