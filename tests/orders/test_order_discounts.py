"""Placing an order with promotions and a coupon: the snapshot, the totals, each refusal, time windows."""

import uuid
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderDiscount, OrderEvent, OrderLine, OrderLineDiscount, OutboundEmail
from orders.services import order_cancel, order_place
from promotions.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponExpired,
    CouponFirstOrderOnly,
    CouponMinimumSpendNotReached,
    CouponNotForTheseProducts,
    CouponNotYetValid,
    CouponUnknown,
    CouponUsedUp,
)
from promotions.models import Coupon, CouponCustomerUse, Promotion
from tests.factories import (
    CategoryFactory,
    CouponFactory,
    OrderFactory,
    ProductFactory,
    PromotionFactory,
    VariantFactory,
)
from tests.orders.helpers import cart_with, checkout_data, place

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


def shares_of(order: Order) -> dict[str, dict[str, Decimal]]:
    """Each discount's label with its shares by SKU."""
    found: dict[str, dict[str, Decimal]] = {}
    for share in OrderLineDiscount.objects.filter(order_discount__order=order).select_related(
        "order_discount", "line"
    ):
        found.setdefault(share.order_discount.label, {})[share.line.sku] = share.amount
    return found


@pytest.mark.parametrize(
    ("percent", "amount", "shares"),
    [
        ("15", "15.00", ["5.00", "5.00", "5.00"]),  # 14.9985 rounded once
        ("10", "10.00", ["3.34", "3.33", "3.33"]),  # 9.999 rounded once; the odd cent on one line
        ("33", "33.00", ["11.00", "11.00", "11.00"]),  # 32.9967
        ("7", "7.00", ["2.34", "2.33", "2.33"]),  # 6.9993
    ],
)
def test_a_percentage_coupon_on_three_lines_of_33_33_is_rounded_once_and_its_shares_add_up(
    percent, amount, shares
):
    variants = [VariantFactory(sku=f"TEA-{n}", price=D("33.33"), stock=5) for n in range(3)]
    CouponFactory(code="TEA", kind=Coupon.Kind.PERCENTAGE, value=D(percent))

    order = place(*((variant, 1) for variant in variants), coupon_code="TEA")

    order.refresh_from_db()
    lines = list(order.lines.order_by("sku"))
    assert shares_of(order) == {"TEA": {f"TEA-{n}": D(share) for n, share in enumerate(shares)}}
    assert [line.discount_total for line in lines] == [D(share) for share in shares]
    assert order.subtotal == D("99.99")
    assert order.discount_total == D(amount)
    assert sum(line.discount_total for line in lines) == order.discount_total
    assert sum(line.paid_total for line in lines) == order.subtotal - order.discount_total
    assert order.shipping_total == D("12.00")
    assert order.grand_total == D("99.99") - D(amount) + D("12.00")


def test_spend_and_save_then_a_coupon_then_shipping_on_what_the_goods_come_to():
    teapot = VariantFactory(sku="POT", price=D("120.00"), stock=5)
    cup = VariantFactory(sku="CUP", price=D("33.33"), stock=5)
    holiday = PromotionFactory(name="Holiday 满减", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    coupon = CouponFactory(code="SAVE15", value=D("15"))

    order = place((teapot, 1), (cup, 3), coupon_code="save15")

    order.refresh_from_db()
    # ¥20 off 219.99, shared 10.91 / 9.09 (the odd cent on the larger line); then 15% of the
    # 199.99 left is 30.00, shared 16.37 / 13.63.
    assert shares_of(order) == {
        "Holiday 满减": {"POT": D("10.91"), "CUP": D("9.09")},
        "SAVE15": {"POT": D("16.37"), "CUP": D("13.63")},
    }
    assert [
        (
            discount.source,
            discount.promotion_id,
            discount.coupon_id,
            discount.amount,
            discount.shipping_amount,
        )
        for discount in order.discounts.all()
    ] == [
        ("promotion", holiday.pk, None, D("20.00"), D("0.00")),
        ("coupon", None, coupon.pk, D("30.00"), D("0.00")),
    ]
    assert {line.sku: line.discount_total for line in order.lines.all()} == {
        "POT": D("27.28"),
        "CUP": D("22.72"),
    }
    # Free shipping starts at ¥199.00 of goods: 219.99 before the discounts, 169.99 after.
    assert (order.subtotal, order.discount_total, order.shipping_total, order.shipping_discount) == (
        D("219.99"),
        D("50.00"),
        D("12.00"),
        D("0.00"),
    )
    assert order.grand_total == D("181.99")
    coupon.refresh_from_db()
    assert coupon.uses_count == 1


def test_the_best_promotion_applies_alone():
    variant = VariantFactory(price=D("250.00"), stock=5)
    PromotionFactory(name="Small", tiers=[("200.00", "20.00")])
    PromotionFactory(name="Autumn tea", kind=Promotion.Kind.PERCENTAGE, percent=D("12"))

    order = place((variant, 1))

    assert [(discount.label, discount.amount) for discount in order.discounts.all()] == [
        ("Autumn tea", D("30.00"))
    ]
    assert order.grand_total == D("220.00")  # shipping free from 199 of goods


def test_a_free_shipping_coupon_waives_the_shipping_and_keeps_a_row_for_its_use():
    variant = VariantFactory(price=D("50.00"), stock=5)
    coupon = CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING, value=D("0"), uses_total=3)

    order = place((variant, 2), coupon_code="SHIPFREE")

    order.refresh_from_db()
    [discount] = order.discounts.all()
    assert (
        discount.source,
        discount.coupon_id,
        discount.label,
        discount.amount,
        discount.shipping_amount,
    ) == (
        "coupon",
        coupon.pk,
        "SHIPFREE",
        D("0.00"),
        D("12.00"),
    )
    assert not discount.shares.exists()
    assert (order.subtotal, order.discount_total, order.shipping_total, order.shipping_discount) == (
        D("100.00"),
        D("0.00"),
        D("12.00"),
        D("12.00"),
    )
    assert order.grand_total == D("100.00")
    coupon.refresh_from_db()
    assert coupon.uses_count == 1


def test_a_free_shipping_coupon_on_an_order_that_ships_free_anyway_still_takes_its_use():
    variant = VariantFactory(price=D("300.00"), stock=5)
    coupon = CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING, value=D("0"))

    order = place((variant, 1), coupon_code="SHIPFREE")

    [discount] = order.discounts.all()
    assert (discount.amount, discount.shipping_amount) == (D("0.00"), D("0.00"))
    assert order.grand_total == D("300.00")
    coupon.refresh_from_db()
    assert coupon.uses_count == 1


def test_a_coupon_for_a_category_covers_its_sub_categories_and_nothing_else():
    tea = CategoryFactory(name="Tea")
    green = VariantFactory(
        sku="GREEN", product=ProductFactory(category=CategoryFactory(parent=tea)), price=D("60.00"), stock=5
    )
    cup = VariantFactory(sku="CUP", price=D("40.00"), stock=5)
    coupon = CouponFactory(code="TEA20", value=D("20"))
    coupon.categories.add(tea)

    order = place((green, 1), (cup, 1), coupon_code="TEA20")

    assert shares_of(order) == {"TEA20": {"GREEN": D("12.00")}}
    assert order.discount_total == D("12.00")


def test_an_order_without_discounts_has_none_recorded():
    order = place((VariantFactory(price=D("19.99"), stock=5), 1))

    assert not order.discounts.exists()
    assert (order.discount_total, order.shipping_discount, order.grand_total) == (
        D("0.00"),
        D("0.00"),
        D("31.99"),
    )


def _refusal(case: str, buyer: str):
    """Make the coupon ``SAVE`` refuse ``buyer`` for ``case``; return the error expected."""
    now = timezone.now()
    fields = {
        "unknown": {"is_active": False},
        "not_yet": {"valid_from": now + timedelta(hours=1)},
        "expired": {"valid_until": now - timedelta(seconds=1)},
        "used_up": {"uses_total": 3, "uses_count": 3},
        "customer": {"uses_per_customer": 1},
        "first_order": {"first_order_only": True},
        "products": {},
        "min_spend": {"min_spend": D("100.00")},
    }[case]
    coupon = CouponFactory(code="SAVE", **fields)
    if case == "customer":
        CouponCustomerUse.objects.create(coupon=coupon, email_canonical=buyer, uses=1)
    if case == "first_order":
        OrderFactory(email=buyer)
    if case == "products":
        coupon.products.add(ProductFactory())
    return {
        "unknown": CouponUnknown,
        "not_yet": CouponNotYetValid,
        "expired": CouponExpired,
        "used_up": CouponUsedUp,
        "customer": CouponAlreadyUsedByCustomer,
        "first_order": CouponFirstOrderOnly,
        "products": CouponNotForTheseProducts,
        "min_spend": CouponMinimumSpendNotReached,
    }[case]


@pytest.mark.parametrize(
    "case", ["unknown", "not_yet", "expired", "used_up", "customer", "first_order", "products", "min_spend"]
)
def test_a_coupon_refused_at_placement_rolls_back_the_stock_and_the_order(case):
    variant = VariantFactory(price=D("40.00"), stock=5)
    error = _refusal(case, "mei@example.com")
    orders_before = Order.objects.count()
    uses_before = list(Coupon.objects.values_list("uses_count", flat=True))

    with pytest.raises(error) as refused:
        place((variant, 2), coupon_code="SAVE", email="Mei@Example.com")

    assert "SAVE" in refused.value.message
    variant.refresh_from_db()
    assert variant.stock == 5
    assert Order.objects.count() == orders_before
    assert not OrderLine.objects.filter(variant=variant).exists()
    assert not OrderDiscount.objects.exists()
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.PLACED).exists()
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert list(Coupon.objects.values_list("uses_count", flat=True)) == uses_before


def test_a_cancelled_earlier_order_does_not_spoil_a_first_order_coupon():
    earlier = OrderFactory(email="mei@example.com")
    order_cancel(order=earlier)
    CouponFactory(code="WELCOME", first_order_only=True)

    order = place(
        (VariantFactory(price=D("40.00"), stock=5), 1), coupon_code="WELCOME", email="mei@example.com"
    )

    assert order.discount_total == D("4.00")


def test_a_repeated_submit_with_the_coupons_last_use_gone_returns_the_first_order():
    variant = VariantFactory(price=D("40.00"), stock=5)
    coupon = CouponFactory(code="LAST", uses_total=1)
    token = uuid.uuid4()
    checkout = checkout_data(coupon_code="LAST")

    first = order_place(cart=cart_with((variant, 1)), checkout=checkout, token=token)
    again = order_place(cart=cart_with((variant, 1)), checkout=checkout, token=token)

    assert again.pk == first.pk
    assert not again.placed_now
    coupon.refresh_from_db()
    variant.refresh_from_db()
    assert coupon.uses_count == 1
    assert variant.stock == 4


def test_a_coupon_order_adds_a_fixed_number_of_statements(django_assert_num_queries):
    variants = [VariantFactory(price=D("33.33"), stock=5) for _ in range(3)]
    CouponFactory(code="TEA", uses_total=100)
    cart = cart_with(*((variant, 1) for variant in variants))
    checkout = checkout_data(coupon_code="TEA")

    # Besides a plain three-line order's 13 (eleven for one line, one stock update per line
    # more): the coupon with its products and categories (one query), the discounts and their
    # shares (one insert each) and the use taken (one conditional update). An earlier order by
    # the address is looked for only for a first-order coupon.
    with django_assert_num_queries(13 + 1 + 2 + 1):
        order = order_place(cart=cart, checkout=checkout, token=uuid.uuid4())

    assert order.discount_total == D("10.00")
