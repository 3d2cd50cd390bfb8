"""What a refund gives back: each unit's share of its line after discounts, shipping once, capped."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RefundNotPossible
from aftersales.services import after_sales_refund, refund_quote
from orders.models import Order
from orders.services import order_refund
from tests.aftersales.helpers import ask, delivered, fresh, line_of, received, staff
from tests.factories import CouponFactory, ProductFactory, PromotionFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    """3 teapots at ¥50 and 1 tea at ¥20, ¥10 off with a coupon shared over both lines, ¥12 shipping."""
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("50.00"), stock=10)
    tea = VariantFactory(product=ProductFactory(name="Tea"), price=Decimal("20.00"), stock=10)
    coupon = CouponFactory(code="TEN", kind="fixed", value=Decimal("10.00"))
    placed = delivered(place((teapot, 3), (tea, 1), coupon_code=coupon.code))
    assert placed.discount_total == Decimal("10.00")
    assert placed.shipping_total - placed.shipping_discount == Decimal("12.00")
    assert placed.grand_total == Decimal("172.00")
    return placed


def _refund(order, lines, **options):
    request = received(ask(order, lines=lines))
    return after_sales_refund(request=request, actor=staff(), reference="BANK-1", **options)


def test_the_units_of_a_line_refunded_one_request_at_a_time_add_up_to_what_the_line_cost(order):
    teapot = line_of(order, "Teapot")
    assert teapot.discount_total > 0

    amounts = [_refund(order, {"Teapot": units}).refund_amount for units in (1, 2)]

    assert sum(amounts) == teapot.paid_total
    assert amounts[0] == (teapot.paid_total / 3).quantize(Decimal("0.01"))
    assert Order.objects.get(pk=order.pk).payment_status == "paid"


def test_shipping_is_refunded_only_once_everything_is_returned(order):
    first = _refund(order, {"Teapot": 3})
    assert first.refund_shipping == Decimal("0.00")
    assert first.refund_amount == line_of(order, "Teapot").paid_total

    last = _refund(order, {"Tea": 1})

    assert last.refund_shipping == Decimal("12.00")
    assert last.refund_amount == line_of(order, "Tea").paid_total + Decimal("12.00")
    assert first.refund_amount + last.refund_amount == order.grand_total
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"
    # The customer hears of each refund once, from after-sales, not again as the order's.
    assert not order.emails.filter(kind="refunded").exists()


def test_staff_may_refund_the_shipping_with_a_partial_return_and_it_is_never_refunded_twice(order):
    first = _refund(order, {"Teapot": 1}, include_shipping=True)
    assert first.refund_shipping == Decimal("12.00")

    rest = _refund(order, {"Teapot": 2, "Tea": 1}, include_shipping=True)

    assert rest.refund_shipping == Decimal("0.00")
    assert first.refund_amount + rest.refund_amount == order.grand_total
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"


def test_the_quote_shown_beforehand_is_the_refund_made(order):
    request = received(ask(order, lines={"Teapot": 1}))

    quote = refund_quote(request=fresh(request))
    refunded = after_sales_refund(request=request, actor=staff(), reference="BANK-1")

    assert quote.total == refunded.refund_amount
    assert not quote.everything_returned
    assert {line.pk: line.refund_amount for line in refunded.lines.all()} == quote.lines


def test_a_refund_by_hand_needs_the_reference_of_the_transfer(order):
    request = received(ask(order, lines={"Tea": 1}))

    with pytest.raises(RefundNotPossible, match="Enter the reference"):
        after_sales_refund(request=request, actor=staff(), reference="  ")

    assert fresh(request).status == "received"
    assert fresh(request).refund_amount is None


def test_an_order_refunded_in_full_elsewhere_has_nothing_left_to_refund(order):
    request = received(ask(order, lines={"Tea": 1}))
    order_refund(order=order, note="Refunded by phone")

    with pytest.raises(RefundNotPossible, match="Only a paid order can be refunded"):
        after_sales_refund(request=request, actor=staff(), reference="BANK-1")
    assert fresh(request).status == "received"


def test_a_spend_and_save_promotion_shared_over_three_units_is_refunded_to_the_cent():
    PromotionFactory(tiers=[("200.00", "20.00")])
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("70.00"), stock=10)
    tea = VariantFactory(product=ProductFactory(name="Tea"), price=Decimal("32.00"), stock=10)
    order = delivered(place((teapot, 3), (tea, 1)))
    line = line_of(order, "Teapot")
    assert order.discount_total == Decimal("20.00")
    assert line.discount_total not in (Decimal("0.00"), Decimal("20.00"))
    assert (line.paid_total * 100) % 3  # a unit's share is not a whole number of cents

    amounts = [_refund(order, {"Teapot": 1}).refund_amount for _ in range(3)]

    assert sum(amounts) == line.paid_total
    assert max(amounts) - min(amounts) <= Decimal("0.01")
