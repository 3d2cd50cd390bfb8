"""What discounts come to for a set of lines: plain data in, plain data out, no queries.

The rules (docs/architecture.md, "Discounts"):
- Automatic promotions apply first, and only the one worth most to the shopper (ties: the
  older promotion). Then at most one coupon, on what the lines come to after the promotion.
- A discount is rounded once, half-up to the cent, and never takes a line below zero.
- Each discount is shared out over the lines it applies to in proportion to what they come to
  before it; the shares are cut to the cent and the remaining cents go to the largest line, so
  the shares always add up to the discount exactly.
- A free-shipping coupon takes nothing off the goods: it waives the shipping price.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from promotions.exceptions import CouponMinimumSpendNotReached, CouponNotForTheseProducts
from shop.money import CENT, quantize

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class PricingLine:
    """A line as the rules see it: what it comes to, and what it is (for eligibility)."""

    key: int  # the variant id
    product_id: int
    category_id: int
    line_total: Decimal


@dataclass(frozen=True)
class Scope:
    """The products a rule applies to: these products, or products in these categories; empty: all."""

    product_ids: frozenset[int] = frozenset()
    # Already widened to every sub-category of the categories chosen.
    category_ids: frozenset[int] = frozenset()

    def covers(self, line: PricingLine) -> bool:
        if not self.product_ids and not self.category_ids:
            return True
        return line.product_id in self.product_ids or line.category_id in self.category_ids


@dataclass(frozen=True)
class PromotionRule:
    """An automatic promotion, as plain data (built by promotions.selectors)."""

    id: int
    name: str
    kind: str  # Promotion.Kind value
    scope: Scope = field(default_factory=Scope)
    percent: Decimal | None = None
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (threshold, amount), ascending thresholds


@dataclass(frozen=True)
class CouponRule:
    """A coupon, as plain data, once its dates, uses and customer have been checked."""

    id: int
    code: str
    kind: str  # Coupon.Kind value
    value: Decimal
    scope: Scope = field(default_factory=Scope)
    max_discount: Decimal | None = None
    min_spend: Decimal | None = None


@dataclass(frozen=True)
class AppliedDiscount:
    """One discount on the goods: where it comes from, how much, and each line's share."""

    source: str  # "promotion" or "coupon"
    source_id: int
    label: str  # the promotion's name or the coupon's code
    amount: Decimal
    shares: Mapping[int, Decimal]  # line key -> share of ``amount``


@dataclass(frozen=True)
class TierHint:
    """How much more to spend for a spend-and-save promotion's next tier."""

    promotion_id: int
    name: str
    spend_more: Decimal
    save: Decimal


@dataclass(frozen=True)
class Pricing:
    """The lines' discounts. ``coupon`` is the coupon applied (None when there is none)."""

    subtotal: Decimal
    discounts: tuple[AppliedDiscount, ...] = ()
    free_shipping: bool = False
    coupon: CouponRule | None = None
    next_tiers: tuple[TierHint, ...] = ()

    @property
    def discount_total(self) -> Decimal:
        return sum((discount.amount for discount in self.discounts), ZERO)

    @property
    def goods_total(self) -> Decimal:
        """What the goods come to after every discount; what shipping thresholds look at."""
        return self.subtotal - self.discount_total

    def line_discount(self, key: int) -> Decimal:
        return sum((discount.shares.get(key, ZERO) for discount in self.discounts), ZERO)

    def shipping_discount(self, shipping_price: Decimal) -> Decimal:
        """What comes off a shipping price: all of it with a free-shipping coupon, else nothing."""
        return shipping_price if self.free_shipping else ZERO


def shares_allocate(amount: Decimal, weights: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Share ``amount`` (cents) out over ``weights`` in proportion; the shares add up to it exactly.

    Each share is cut down to the cent, then the cents left over go to the largest weight
    (the first such key on a tie); no share ever exceeds its weight. ``amount`` must not
    exceed the weights' sum.
    """
    total = sum(weights.values(), ZERO)
    if amount > total:
        raise ValueError("a discount cannot exceed what it applies to")
    if not amount:
        return dict.fromkeys(weights, ZERO)
    shares = {
        key: (amount * weight / total).quantize(CENT, rounding=ROUND_DOWN) for key, weight in weights.items()
    }
    left = amount - sum(shares.values(), ZERO)
    # Largest first; a line already at its weight takes no more (only possible within cents of 100%).
    for key in sorted(weights, key=lambda key: -weights[key]):
        if not left:
            break
        room = weights[key] - shares[key]
        extra = min(room, left)
        shares[key] += extra
        left -= extra
    return shares


def _promotion_discount(
    rule: PromotionRule, lines: Sequence[PricingLine]
) -> tuple[Decimal, dict[int, Decimal]]:
    """What one promotion takes off, and the line totals it applies to."""
    eligible = {line.key: line.line_total for line in lines if rule.scope.covers(line)}
    base = sum(eligible.values(), ZERO)
    if rule.kind == "percentage":
        amount = quantize(base * (rule.percent or ZERO) / HUNDRED)
    else:
        reached = [amount for threshold, amount in rule.tiers if threshold <= base]
        amount = min(max(reached, default=ZERO), base)
    return amount, eligible


def _next_tier(rule: PromotionRule, lines: Sequence[PricingLine], *, beat: Decimal) -> TierHint | None:
    """The nearest tier not reached yet that would save more than ``beat`` (what applies now)."""
    if rule.kind != "spend_and_save":
        return None
    base = sum((line.line_total for line in lines if rule.scope.covers(line)), ZERO)
    ahead = [(threshold, amount) for threshold, amount in rule.tiers if threshold > base and amount > beat]
    if not ahead or not base:
        return None
    threshold, amount = ahead[0]
    return TierHint(promotion_id=rule.id, name=rule.name, spend_more=threshold - base, save=amount)


def _coupon_discount(
    rule: CouponRule, lines: Sequence[PricingLine], after: Mapping[int, Decimal]
) -> tuple[Decimal, dict[int, Decimal]]:
    """What the coupon takes off the goods, and what its lines come to after the promotion.

    Raises CouponNotForTheseProducts or CouponMinimumSpendNotReached (the minimum is
    counted on the coupon's lines before any discount).
    """
    eligible_lines = [line for line in lines if rule.scope.covers(line)]
    if not eligible_lines:
        raise CouponNotForTheseProducts(code=rule.code)
    before = sum((line.line_total for line in eligible_lines), ZERO)
    if rule.min_spend is not None and before < rule.min_spend:
        raise CouponMinimumSpendNotReached(code=rule.code, spend_more=rule.min_spend - before)
    remaining = {line.key: after[line.key] for line in eligible_lines}
    base = sum(remaining.values(), ZERO)
    if rule.kind == "percentage":
        amount = quantize(base * rule.value / HUNDRED)
        if rule.max_discount is not None:
            amount = min(amount, rule.max_discount)
    elif rule.kind == "fixed":
        amount = min(rule.value, base)
    else:
        amount = ZERO
    return amount, remaining


def pricing_compute(
    *,
    lines: Sequence[PricingLine],
    promotions: Sequence[PromotionRule] = (),
    coupon: CouponRule | None = None,
) -> Pricing:
    """The discounts on ``lines``: the best automatic promotion, then the coupon.

    Raises CouponNotForTheseProducts or CouponMinimumSpendNotReached when the coupon
    cannot apply to these lines; the caller drops the coupon and prices again without it.
    """
    subtotal = sum((line.line_total for line in lines), ZERO)
    discounts: list[AppliedDiscount] = []
    best: tuple[Decimal, PromotionRule, dict[int, Decimal]] | None = None
    for rule in sorted(promotions, key=lambda rule: rule.id):
        amount, eligible = _promotion_discount(rule, lines)
        if amount > 0 and (best is None or amount > best[0]):
            best = (amount, rule, eligible)
    if best is not None:
        amount, rule, eligible = best
        discounts.append(
            AppliedDiscount(
                source="promotion",
                source_id=rule.id,
                label=rule.name,
                amount=amount,
                shares=shares_allocate(amount, eligible),
            )
        )
    # A next tier is worth naming only if reaching it would beat the promotion applied now.
    applied = best[0] if best is not None else ZERO
    hints = tuple(hint for rule in promotions if (hint := _next_tier(rule, lines, beat=applied)) is not None)
    if coupon is None:
        return Pricing(subtotal=subtotal, discounts=tuple(discounts), next_tiers=hints)
    after = {
        line.key: line.line_total - sum((d.shares.get(line.key, ZERO) for d in discounts), ZERO)
        for line in lines
    }
    amount, remaining = _coupon_discount(coupon, lines, after)
    if amount > 0:
        discounts.append(
            AppliedDiscount(
                source="coupon",
                source_id=coupon.id,
                label=coupon.code,
                amount=amount,
                shares=shares_allocate(amount, remaining),
            )
        )
    return Pricing(
        subtotal=subtotal,
        discounts=tuple(discounts),
        free_shipping=coupon.kind == "free_shipping",
        coupon=coupon,
        next_tiers=hints,
    )
