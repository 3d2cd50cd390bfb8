"""What the cart comes to after its discounts: the live promotions and the session's coupon.

Every page prices the cart afresh with promotions.pricing (docs/architecture.md,
"Discounts"), so the cart page, the checkout page and order placement agree. A coupon
that no longer applies is dropped from the session here, and the reason is handed back
for the page to show: it is never kept without applying, and never dropped unsaid.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cart.coupon import cart_coupon_get, cart_coupon_remove
from cart.selectors import Cart
from promotions.exceptions import CouponError
from promotions.pricing import AppliedDiscount, CouponRule, Pricing, PricingLine, TierHint, pricing_compute
from promotions.selectors import coupon_get_usable, coupon_rule, promotion_rules_live

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CartPricing:
    """The cart's discounts, and why the session's coupon was dropped just now ("" when it was not)."""

    pricing: Pricing
    coupon_dropped: str = ""

    @property
    def subtotal(self) -> Decimal:
        return self.pricing.subtotal

    @property
    def discounts(self) -> tuple[AppliedDiscount, ...]:
        return self.pricing.discounts

    @property
    def promotion_discounts(self) -> tuple[AppliedDiscount, ...]:
        return tuple(discount for discount in self.pricing.discounts if discount.source == "promotion")

    @property
    def discount_total(self) -> Decimal:
        return self.pricing.discount_total

    @property
    def goods_total(self) -> Decimal:
        """The goods after every discount: what shipping prices and thresholds look at."""
        return self.pricing.goods_total

    @property
    def coupon_code(self) -> str:
        """The applied code ("" for none)."""
        return self.pricing.coupon.code if self.pricing.coupon is not None else ""

    @property
    def coupon_amount(self) -> Decimal:
        """What the applied coupon takes off the goods (0.00 for a free-shipping coupon)."""
        return sum((d.amount for d in self.pricing.discounts if d.source == "coupon"), ZERO)

    @property
    def free_shipping(self) -> bool:
        return self.pricing.free_shipping

    @property
    def next_tiers(self) -> tuple[TierHint, ...]:
        return self.pricing.next_tiers


def _pricing_lines(cart: Cart) -> list[PricingLine]:
    return [
        PricingLine(
            key=line.variant_id,
            product_id=line.variant.product_id,
            category_id=line.variant.product.category_id,
            line_total=line.line_total,
        )
        for line in cart.lines
        if line.purchasable
    ]


def _coupon_rule(*, code: str, email_canonical: str, first_order: bool | None) -> CouponRule | None:
    if not code:
        return None
    return coupon_rule(coupon_get_usable(code=code, email_canonical=email_canonical, first_order=first_order))


def cart_pricing_with_coupon(
    *, cart: Cart, code: str, email_canonical: str = "", first_order: bool | None = None
) -> CartPricing:
    """The cart priced with the live promotions and the coupon ``code``, which must apply.

    Raises CouponError when the code cannot be used for this cart (and for this customer,
    when ``email_canonical`` and ``first_order`` are known). Reads only: the live
    promotions and the coupon, a few queries each, however many lines the cart has.
    """
    rule = _coupon_rule(code=code, email_canonical=email_canonical, first_order=first_order)
    lines = _pricing_lines(cart)
    promotions = promotion_rules_live() if lines else []
    return CartPricing(pricing=pricing_compute(lines=lines, promotions=promotions, coupon=rule))


def cart_pricing_get(
    *,
    session: MutableMapping[str, Any],
    cart: Cart,
    email_canonical: str = "",
    first_order: bool | None = None,
) -> CartPricing:
    """The cart priced with the live promotions and the session's coupon.

    A coupon that cannot be used any more (the cart changed, it expired or was used up
    meanwhile) is removed from the session and ``coupon_dropped`` says why; the cart is
    then priced without it. ``email_canonical`` and ``first_order`` are passed when the
    customer is known (signed in; at checkout), so their limits show before ordering.
    An empty cart is priced without a query and keeps its code until it holds something.
    """
    lines = _pricing_lines(cart)
    if not lines:
        return CartPricing(pricing=Pricing(subtotal=ZERO))
    promotions = promotion_rules_live()
    try:
        rule = _coupon_rule(
            code=cart_coupon_get(session=session), email_canonical=email_canonical, first_order=first_order
        )
        return CartPricing(pricing=pricing_compute(lines=lines, promotions=promotions, coupon=rule))
    except CouponError as error:
        cart_coupon_remove(session=session)
        return CartPricing(
            pricing=pricing_compute(lines=lines, promotions=promotions),
            coupon_dropped=_("%(reason)s We have removed it from your cart.") % {"reason": error.message},
        )
