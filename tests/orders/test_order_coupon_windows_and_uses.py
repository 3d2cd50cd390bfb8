"""Placing an order with a coupon: time windows in the shop's time zone, what the database refuses,
uses given back by cancelling, and signed-in customers' limits."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order, OrderDiscount, OrderLine
from orders.services import order_cancel, order_cancel_expired, order_mark_paid, order_place
from promotions.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponExpired,
    CouponFirstOrderOnly,
    CouponNotYetValid,
    CouponUsedUp,
)
from promotions.models import CouponCustomerUse
from tests.factories import (
    CouponFactory,
    OrderFactory,
    OrderLineFactory,
    PromotionFactory,
    UserFactory,
    VariantFactory,
)
from tests.orders.helpers import cart_with, checkout_data, place

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.parametrize(("offset", "discounted"), [(-1, True), (0, False), (1, False)])
def test_a_promotion_ends_at_its_valid_until_in_the_shops_time_zone(monkeypatch, offset, discounted):
    # Ends at midnight between 11 and 12 November in Shanghai: 16:00 UTC on the 11th.
    ends = datetime(2026, 11, 12, 0, 0, tzinfo=SHANGHAI)
    PromotionFactory(name="Singles' Day", tiers=[("100.00", "10.00")], valid_until=ends)
    variant = VariantFactory(price=D("100.00"), stock=5)
    _at(ends + timedelta(seconds=offset), monkeypatch)

    order = place((variant, 1))

    assert order.discount_total == (D("10.00") if discounted else D("0.00"))
    assert order.discounts.exists() is discounted


@pytest.mark.parametrize(("offset", "refused"), [(-1, CouponNotYetValid), (0, None), (1, None)])
def test_a_coupon_starts_at_its_valid_from_in_the_shops_time_zone(monkeypatch, offset, refused):
    starts = datetime(2026, 11, 11, 0, 0, tzinfo=SHANGHAI)
    CouponFactory(code="DOUBLE11", valid_from=starts, valid_until=starts + timedelta(days=1))
    variant = VariantFactory(price=D("100.00"), stock=5)
    _at(starts + timedelta(seconds=offset), monkeypatch)

    if refused is not None:
        with pytest.raises(refused):
            place((variant, 1), coupon_code="DOUBLE11")
        assert not Order.objects.exists()
    else:
        assert place((variant, 1), coupon_code="DOUBLE11").discount_total == D("10.00")


def test_a_coupon_expires_at_its_valid_until_to_the_second(monkeypatch):
    ends = datetime(2026, 11, 12, 0, 0, tzinfo=SHANGHAI)
    CouponFactory(code="DOUBLE11", valid_until=ends)
    variant = VariantFactory(price=D("100.00"), stock=5)

    _at(ends - timedelta(seconds=1), monkeypatch)
    before = place((variant, 1), coupon_code="DOUBLE11")
    _at(ends + timedelta(seconds=1), monkeypatch)
    with pytest.raises(CouponExpired):
        place((variant, 1), coupon_code="DOUBLE11")

    assert before.discount_total == D("10.00")
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        # The grand total is the subtotal less its discount plus shipping less its discount.
        {"discount_total": D("5.00"), "grand_total": D("31.99")},
        {"shipping_discount": D("12.00"), "grand_total": D("31.99")},
        # No discount exceeds what it comes off, or goes below zero.
        {"discount_total": D("20.00"), "grand_total": D("11.99")},
        {"shipping_discount": D("13.00"), "grand_total": D("18.99")},
        {"discount_total": D("-1.00"), "grand_total": D("32.99")},
    ],
)
def test_the_database_refuses_discounts_that_do_not_add_up(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(**fields)  # subtotal 19.99, shipping 12.00


def test_the_database_refuses_a_line_discount_above_the_line_and_a_second_coupon():
    order = OrderFactory()
    line = OrderLineFactory(order=order, unit_price=D("10.00"), line_total=D("10.00"))
    OrderDiscount.objects.create(order=order, source="coupon", label="ONE")

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(discount_total=D("10.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderDiscount.objects.create(order=order, source="coupon", label="TWO")


def test_a_cancelled_unpaid_orders_use_goes_to_the_next_shopper():
    coupon = CouponFactory(code="LAST", uses_total=1)
    variant = VariantFactory(price=D("40.00"), stock=5)
    first = place((variant, 1), coupon_code="LAST", email="mei@example.com")
    with pytest.raises(CouponUsedUp):
        place((variant, 1), coupon_code="LAST", email="li@example.com")

    order_cancel(order=first)
    second = place((variant, 1), coupon_code="LAST", email="li@example.com")

    coupon.refresh_from_db()
    assert coupon.uses_count == 1
    assert second.discount_total == D("4.00")
    assert first.discounts.get().use_returned_at is not None
    assert second.discounts.get().use_returned_at is None


def test_the_unpaid_order_job_gives_the_use_back_too():
    coupon = CouponFactory(code="WELCOME", uses_per_customer=1)
    order = place(
        (VariantFactory(price=D("40.00"), stock=5), 1), coupon_code="WELCOME", email="mei@example.com"
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))

    assert order_cancel_expired(older_than=timedelta(days=2)) == [order.number]

    coupon.refresh_from_db()
    assert coupon.uses_count == 0
    assert CouponCustomerUse.objects.get(coupon=coupon).uses == 0
    assert place(
        (VariantFactory(price=D("40.00"), stock=5), 1), coupon_code="WELCOME", email="mei@example.com"
    )


def test_a_paid_order_cancelled_keeps_its_coupon_use():
    coupon = CouponFactory(code="SAVE")
    order = place((VariantFactory(price=D("40.00"), stock=5), 1), coupon_code="SAVE")
    order_mark_paid(order=order)

    order_cancel(order=order)

    coupon.refresh_from_db()
    assert coupon.uses_count == 1
    assert order.discounts.get().use_returned_at is None


def test_a_signed_in_customer_typing_another_address_is_still_not_on_a_first_order():
    customer = UserFactory(email="ann@example.com")
    OrderFactory(user=customer, email="ann@example.com")
    CouponFactory(code="WELCOME", first_order_only=True)
    variant = VariantFactory(stock=5)
    checkout = checkout_data(email="ann.other@example.com", user=customer, coupon_code="WELCOME")

    with pytest.raises(CouponFirstOrderOnly):
        order_place(cart=cart_with((variant, 1)), checkout=checkout, token=uuid.uuid4())


def test_a_signed_in_customer_typing_another_address_still_counts_their_accounts_uses():
    customer = UserFactory(email="ann@example.com")
    coupon = CouponFactory(code="ONCE", uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="ann@example.com", uses=1)
    variant = VariantFactory(stock=5)
    checkout = checkout_data(email="ann.other@example.com", user=customer, coupon_code="ONCE")

    with pytest.raises(CouponAlreadyUsedByCustomer):
        order_place(cart=cart_with((variant, 1)), checkout=checkout, token=uuid.uuid4())
