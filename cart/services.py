"""Write paths of the session cart (``{variant_id: quantity}`` in the session) and its coupon code.

The cart holds no prices: they are read fresh from the catalogue on every view.
Stock is checked here so the cart never asks for more than exists, but it is
only taken at checkout (orders.services.order_place).
"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import IntegerField, OuterRef, Value

from cart.coupon import cart_coupon_remove, cart_coupon_set
from cart.exceptions import CouponTriesExceeded, OutOfStock, VariantUnavailable
from cart.pricing import CartPricing, cart_pricing_with_coupon
from cart.selectors import SESSION_KEY, Cart, cart_quantities_get
from catalog.models import Variant
from promotions.exceptions import CouponError
from shop.ratelimit import rate_limit_hit, rate_limit_reached

MAX_LINE_QUANTITY = 999


@dataclass(frozen=True)
class CartChange:
    """What a cart write did: the line's new quantity and whether stock or the product's maximum capped it.

    ``per_order_max`` is set when the product's maximum per order was the cap
    (``product_name`` then names the product it counts over).
    """

    variant_id: int
    name: str
    quantity: int
    requested: int
    per_order_max: int | None = None
    product_name: str = ""

    @property
    def capped(self) -> bool:
        return self.quantity < self.requested


def _cart_save(session: MutableMapping[str, Any], quantities: dict[int, int]) -> None:
    # Assigning a new dict (not mutating the old one) marks the session modified.
    session[SESSION_KEY] = {str(variant_id): quantity for variant_id, quantity in quantities.items()}


def _variant_for_sale(variant_id: int, *, quantities: dict[int, int]) -> Variant:
    """The variant with its product, and (``cart_sibling_ids``) the cart's other variants of that product."""
    others = [other for other in quantities if other != variant_id]
    # In the same query: the product's maximum per order counts the cart's other variants of it.
    siblings = Variant.objects.filter(product_id=OuterRef("product_id"), pk__in=others).values("pk")
    try:
        return (
            Variant.objects.select_related("product")
            .defer("product__description", "product__search_vector")  # wide, and never needed here
            .annotate(
                cart_sibling_ids=ArraySubquery(siblings) if others else Value([], ArrayField(IntegerField()))
            )
            .get(pk=variant_id, is_active=True, product__is_active=True)
        )
    except Variant.DoesNotExist:
        raise VariantUnavailable(variant_id=variant_id) from None


def _product_room(*, variant: Variant, quantities: dict[int, int]) -> int | None:
    """Units of the variant's product the cart may still hold beside its other variants; None: no cap."""
    maximum = variant.product.order_quantity_max
    if maximum is None:
        return None
    return max(maximum - sum(quantities.get(sibling, 0) for sibling in variant.cart_sibling_ids), 0)


def _line_cap(*, variant: Variant, quantities: dict[int, int]) -> tuple[int, int | None]:
    """The most units of the variant one line may hold, and the product's maximum when that is the cap."""
    stock_cap = min(variant.stock, MAX_LINE_QUANTITY)
    room = _product_room(variant=variant, quantities=quantities)
    if room is not None and room < stock_cap:
        return room, variant.product.order_quantity_max
    return stock_cap, None


def cart_add(*, session: MutableMapping[str, Any], variant_id: int, quantity: int) -> CartChange:
    """Add ``quantity`` units of a variant; the line is capped at the stock available
    and at the product's maximum per order (its variants' lines together).

    Raises VariantUnavailable (unknown or inactive variant) or OutOfStock (sold
    out, or the cart already holds every unit); on either the cart is unchanged.
    At the product's maximum already, the cart is unchanged and the change says capped.
    """
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    quantities = cart_quantities_get(session=session)
    variant = _variant_for_sale(variant_id, quantities=quantities)
    in_cart = quantities.get(variant_id, 0)
    limit, per_order_max = _line_cap(variant=variant, quantities=quantities)
    requested = in_cart + quantity
    if per_order_max is not None and in_cart >= limit:
        return CartChange(
            variant_id=variant_id,
            name=str(variant),
            quantity=in_cart,
            requested=requested,
            per_order_max=per_order_max,
            product_name=variant.product.name,
        )
    if in_cart >= limit:
        raise OutOfStock(variant_id=variant_id, available=variant.stock, name=str(variant), in_cart=in_cart)
    quantities[variant_id] = min(requested, limit)
    _cart_save(session, quantities)
    return CartChange(
        variant_id=variant_id,
        name=str(variant),
        quantity=quantities[variant_id],
        requested=requested,
        per_order_max=per_order_max,
        product_name=variant.product.name,
    )


def cart_update(*, session: MutableMapping[str, Any], variant_id: int, quantity: int) -> CartChange:
    """Set a line's quantity; 0 removes it (always allowed, even for a withdrawn variant).

    A quantity above the stock is capped at the stock, and at what the product's
    maximum per order leaves beside its other variants' lines (0 removes the line).
    Raises VariantUnavailable or OutOfStock (sold out) for a positive quantity;
    the cart is then unchanged.
    """
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    quantities = cart_quantities_get(session=session)
    if quantity == 0:
        quantities.pop(variant_id, None)
        _cart_save(session, quantities)
        return CartChange(variant_id=variant_id, name="", quantity=0, requested=0)
    variant = _variant_for_sale(variant_id, quantities=quantities)
    if min(variant.stock, MAX_LINE_QUANTITY) <= 0:
        raise OutOfStock(
            variant_id=variant_id, available=0, name=str(variant), in_cart=quantities.get(variant_id, 0)
        )
    limit, per_order_max = _line_cap(variant=variant, quantities=quantities)
    quantities[variant_id] = min(quantity, limit)
    if not quantities[variant_id]:
        del quantities[variant_id]
    _cart_save(session, quantities)
    return CartChange(
        variant_id=variant_id,
        name=str(variant),
        quantity=min(quantity, limit),
        requested=quantity,
        per_order_max=per_order_max,
        product_name=variant.product.name,
    )


@dataclass(frozen=True)
class CartLinesChange:
    """What setting several lines at once did: the lines changed, and those refused (cart line unchanged)."""

    changes: list[CartChange]
    refused: list[VariantUnavailable | OutOfStock]

    @property
    def complete(self) -> bool:
        """Every line now holds what was asked for."""
        return not self.refused and not any(change.capped for change in self.changes)


def cart_lines_update(*, session: MutableMapping[str, Any], quantities: Mapping[int, int]) -> CartLinesChange:
    """Set the quantities of the cart's lines at once, as the cart page posts them.

    Lines not in the cart, and lines already at the quantity asked, are left
    alone. Lowered lines are set first, so what they free counts for the product's
    maximum per order when others rise. Each line follows ``cart_update``; one
    refused line (withdrawn, sold out) leaves that line as it was and sets the rest.
    """
    current = cart_quantities_get(session=session)
    wanted = {
        variant_id: quantity
        for variant_id, quantity in quantities.items()
        if variant_id in current and quantity != current[variant_id]
    }
    changes: list[CartChange] = []
    refused: list[VariantUnavailable | OutOfStock] = []
    for variant_id in sorted(wanted, key=lambda variant_id: wanted[variant_id] - current[variant_id]):
        try:
            changes.append(cart_update(session=session, variant_id=variant_id, quantity=wanted[variant_id]))
        except (VariantUnavailable, OutOfStock) as error:
            refused.append(error)
    return CartLinesChange(changes=changes, refused=refused)


def cart_prune(*, session: MutableMapping[str, Any], variant_ids: Iterable[int]) -> None:
    """Drop lines whose variants no longer exist."""
    quantities = cart_quantities_get(session=session)
    for variant_id in variant_ids:
        quantities.pop(variant_id, None)
    _cart_save(session, quantities)


def cart_clear(*, session: MutableMapping[str, Any]) -> None:
    """Empty the cart and forget its coupon (after a successful checkout)."""
    session.pop(SESSION_KEY, None)
    cart_coupon_remove(session=session)


# Scope of the limit on refused coupon codes per client IP (shop.ratelimit).
COUPON_TRY_SCOPE = "coupon_try:ip"


@contextmanager
def coupon_try_counted(*, ip_address: str) -> Iterator[None]:
    """Limit the coupon codes the client at ``ip_address`` may have refused while the block checks one.

    Guessing is limited per client IP (``COUPON_TRY_LIMIT_PER_IP`` refused codes within
    ``COUPON_TRY_WINDOW``; a limit of 0 turns it off). A client at the limit gets
    CouponTriesExceeded before the block runs, so the code is not looked up. A CouponError
    from the block is counted before it goes on to the client, or replaced by
    CouponTriesExceeded when concurrent refusals reached the limit first: however many tries
    run at once, no more refusals are told than the limit. A code that applies costs no
    write. Must not run inside a transaction.
    """
    limit = settings.COUPON_TRY_LIMIT_PER_IP
    if not limit:
        yield
        return
    tries = {"scope": COUPON_TRY_SCOPE, "key": ip_address or "unknown", "limit": limit}
    if rate_limit_reached(**tries, window=settings.COUPON_TRY_WINDOW):
        raise CouponTriesExceeded()
    try:
        yield
    except CouponError:
        if not rate_limit_hit(**tries, window=settings.COUPON_TRY_WINDOW):
            raise CouponTriesExceeded() from None
        raise


def cart_coupon_apply(
    *, session: MutableMapping[str, Any], cart: Cart, code: str, ip_address: str, email_canonical: str = ""
) -> CartPricing:
    """Apply the coupon ``code`` (as typed) to the cart, replacing any other; return the cart's pricing.

    Guessing is limited per client IP (``coupon_try_counted``). Raises CouponTriesExceeded
    (the code is not looked up) or a CouponError saying why the code cannot be used for this
    cart (and for ``email_canonical``'s customer, when known); on either the session is
    unchanged. Must not run inside a transaction.
    """
    with coupon_try_counted(ip_address=ip_address):
        pricing = cart_pricing_with_coupon(cart=cart, code=code, email_canonical=email_canonical)
    cart_coupon_set(session=session, code=pricing.coupon_code)
    return pricing
