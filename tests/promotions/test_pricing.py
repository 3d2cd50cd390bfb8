"""The discount rules on plain data: tiers, the best promotion, one coupon after it, rounding and shares."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promotions.exceptions import CouponMinimumSpendNotReached, CouponNotForTheseProducts
from promotions.pricing import CouponRule, PricingLine, PromotionRule, Scope, pricing_compute, shares_allocate

D = Decimal
SPEND_AND_SAVE = PromotionRule(
    id=1, name="Holiday", kind="spend_and_save", tiers=((D("200.00"), D("20.00")), (D("500.00"), D("60.00")))
)


def line(key: int, total: str, *, product: int = 0, category: int = 0) -> PricingLine:
    return PricingLine(key=key, product_id=product or key, category_id=category, line_total=D(total))


def coupon(kind: str, value: str, **fields) -> CouponRule:
    return CouponRule(id=9, code="SAVE", kind=kind, value=D(value), **fields)


def test_fifteen_percent_off_three_awkward_lines_rounds_once_and_the_shares_add_up():
    lines = [line(1, "33.33"), line(2, "33.33"), line(3, "33.34")]

    pricing = pricing_compute(lines=lines, coupon=coupon("percentage", "15"))

    [discount] = pricing.discounts
    assert discount.amount == D("15.00")
    assert dict(discount.shares) == {1: D("4.99"), 2: D("4.99"), 3: D("5.02")}
    assert pricing.goods_total == D("85.00")


def test_ten_percent_of_three_lines_of_33_33_puts_the_odd_cent_on_one_line():
    lines = [line(1, "33.33"), line(2, "33.33"), line(3, "33.33")]

    pricing = pricing_compute(lines=lines, coupon=coupon("percentage", "10"))

    assert pricing.discount_total == D("10.00")  # 9.999 rounded once
    assert sorted(pricing.discounts[0].shares.values()) == [D("3.33"), D("3.33"), D("3.34")]


@pytest.mark.parametrize(
    ("spent", "saved", "hint"),
    [
        ("180.00", "0.00", (D("20.00"), D("20.00"))),
        ("200.00", "20.00", (D("300.00"), D("60.00"))),
        ("499.99", "20.00", (D("0.01"), D("60.00"))),
        ("500.00", "60.00", None),
    ],
)
def test_spend_and_save_takes_the_highest_tier_reached_and_names_the_next(spent, saved, hint):
    pricing = pricing_compute(lines=[line(1, spent)], promotions=[SPEND_AND_SAVE])

    assert pricing.discount_total == D(saved)
    assert [(tier.spend_more, tier.save) for tier in pricing.next_tiers] == ([hint] if hint else [])


def test_of_competing_promotions_only_the_one_worth_most_applies():
    tea_sale = PromotionRule(
        id=2, name="Tea week", kind="percentage", percent=D("10"), scope=Scope(category_ids=frozenset({7}))
    )
    lines = [line(1, "300.00", category=7), line(2, "100.00", category=8)]

    tea_only = pricing_compute(lines=lines, promotions=[SPEND_AND_SAVE, tea_sale])
    more_tea = pricing_compute(lines=[line(1, "450.00", category=7)], promotions=[SPEND_AND_SAVE, tea_sale])

    assert [(d.label, d.amount) for d in tea_only.discounts] == [("Tea week", D("30.00"))]
    assert tea_only.discounts[0].shares == {1: D("30.00")}
    assert [(d.label, d.amount) for d in more_tea.discounts] == [("Tea week", D("45.00"))]


def test_the_coupon_applies_after_the_promotion_to_what_is_left():
    lines = [line(1, "150.00"), line(2, "100.00")]

    pricing = pricing_compute(lines=lines, promotions=[SPEND_AND_SAVE], coupon=coupon("percentage", "10"))

    assert [(d.source, d.amount) for d in pricing.discounts] == [
        ("promotion", D("20.00")),
        ("coupon", D("23.00")),
    ]
    assert pricing.line_discount(1) + pricing.line_discount(2) == D("43.00")
    assert pricing.goods_total == D("207.00")


def test_a_percentage_coupon_stops_at_its_maximum():
    pricing = pricing_compute(
        lines=[line(1, "1000.00")], coupon=coupon("percentage", "20", max_discount=D("50"))
    )

    assert pricing.discount_total == D("50")


def test_a_fixed_coupon_never_takes_a_line_below_zero():
    pricing = pricing_compute(lines=[line(1, "12.00"), line(2, "3.00")], coupon=coupon("fixed", "40.00"))

    assert pricing.discount_total == D("15.00")
    assert pricing.goods_total == D("0.00")
    assert pricing.discounts[0].shares == {1: D("12.00"), 2: D("3.00")}


def test_a_coupon_for_some_products_discounts_only_those():
    scoped = coupon("fixed", "10.00", scope=Scope(product_ids=frozenset({2})))

    pricing = pricing_compute(lines=[line(1, "50.00"), line(2, "8.00")], coupon=scoped)

    assert pricing.discounts[0].shares == {2: D("8.00")}


def test_a_coupon_for_nothing_in_the_cart_is_refused():
    scoped = coupon("fixed", "10.00", scope=Scope(category_ids=frozenset({99})))

    with pytest.raises(CouponNotForTheseProducts):
        pricing_compute(lines=[line(1, "50.00", category=1)], coupon=scoped)


def test_a_minimum_spend_not_reached_says_how_much_more():
    with pytest.raises(CouponMinimumSpendNotReached) as refused:
        pricing_compute(lines=[line(1, "150.00")], coupon=coupon("fixed", "20", min_spend=D("199.00")))

    assert refused.value.spend_more == D("49.00")


def test_free_shipping_leaves_the_goods_and_waives_the_shipping():
    pricing = pricing_compute(lines=[line(1, "80.00")], coupon=coupon("free_shipping", "0"))

    assert pricing.discounts == ()
    assert pricing.goods_total == D("80.00")
    assert pricing.shipping_discount(D("12.00")) == D("12.00")
    assert pricing_compute(lines=[line(1, "80.00")]).shipping_discount(D("12.00")) == D("0.00")


cents = st.integers(min_value=1, max_value=10_000_000).map(lambda value: D(value) / 100)


@given(weights=st.lists(cents, min_size=1, max_size=12), fraction=st.fractions(min_value=0, max_value=1))
def test_shares_always_add_up_to_the_discount_and_never_exceed_their_line(weights, fraction):
    keyed = dict(enumerate(weights))
    total = sum(weights)
    amount = (total * fraction.numerator / fraction.denominator).quantize(D("0.01"), rounding="ROUND_DOWN")

    shares = shares_allocate(amount, keyed)

    assert sum(shares.values()) == amount
    assert all(D("0") <= shares[key] <= keyed[key] for key in keyed)


def test_a_next_tier_is_named_only_when_it_would_beat_the_promotion_applied_now():
    tea_sale = PromotionRule(id=2, name="Tea week", kind="percentage", percent=D("30"))

    pricing = pricing_compute(lines=[line(1, "180.00")], promotions=[SPEND_AND_SAVE, tea_sale])

    assert pricing.discount_total == D("54.00")
    assert [(tier.spend_more, tier.save) for tier in pricing.next_tiers] == [(D("320.00"), D("60.00"))]
