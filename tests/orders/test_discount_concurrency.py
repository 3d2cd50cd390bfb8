"""Coupon uses under real concurrency: threads on separate connections against PostgreSQL."""

import uuid
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderDiscount
from orders.services import order_cancel, order_cancel_expired, order_place
from promotions.exceptions import CouponAlreadyUsedByCustomer, CouponUsedUp
from promotions.models import CouponCustomerUse
from tests.factories import CouponFactory, VariantFactory
from tests.helpers import run_together
from tests.orders.helpers import cart_with, checkout_data, standard_shipping

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


def _place_with_coupon_else_full_price(variant, shipping, *, email: str, code: str, refused) -> str:
    """A shopper placing an order with ``code``; told it is refused, they place it at the full price."""
    token = uuid.uuid4()
    try:
        order_place(
            cart=cart_with((variant, 1)),
            checkout=checkout_data(email=email, shipping_method=shipping, coupon_code=code),
            token=token,
        )
        return "discounted"
    except refused:
        # The same checkout (same token) placed again, now without the code.
        order = order_place(
            cart=cart_with((variant, 1)),
            checkout=checkout_data(email=email, shipping_method=shipping),
            token=token,
        )
        return "full price" if order.placed_now else "lost"


def test_thirty_shoppers_racing_for_ten_uses_make_ten_discounted_orders_and_twenty_at_full_price():
    variant = VariantFactory(price=D("100.00"), stock=1000)
    shipping = standard_shipping()
    coupon = CouponFactory(code="LAST10", value=D("10"), uses_total=15, uses_count=5)

    outcomes = run_together(
        *(
            partial(
                _place_with_coupon_else_full_price,
                variant,
                shipping,
                email=f"shopper{index}@example.com",
                code="LAST10",
                refused=CouponUsedUp,
            )
            for index in range(30)
        )
    )

    coupon.refresh_from_db()
    variant.refresh_from_db()
    assert outcomes.count("discounted") == 10
    assert outcomes.count("full price") == 20
    assert coupon.uses_count == 15
    assert Order.objects.count() == 30
    assert variant.stock == 970
    discounted = Order.objects.filter(discounts__coupon=coupon)
    assert discounted.count() == 10
    assert set(discounted.values_list("grand_total", flat=True)) == {D("102.00")}
    assert set(Order.objects.exclude(discounts__coupon=coupon).values_list("grand_total", flat=True)) == {
        D("112.00")
    }


def test_one_customer_racing_themself_gets_the_code_only_as_often_as_it_allows(settings):
    settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR = 0  # one address places all six orders
    variant = VariantFactory(price=D("100.00"), stock=1000)
    shipping = standard_shipping()
    coupon = CouponFactory(code="ONCE", value=D("10"), uses_per_customer=1)

    outcomes = run_together(
        *(
            partial(
                _place_with_coupon_else_full_price,
                variant,
                shipping,
                # The same customer, however they type their address.
                email=email,
                code="ONCE",
                refused=CouponAlreadyUsedByCustomer,
            )
            for email in ["mei@example.com", "Mei@Example.com", "MEI@example.com"] * 2
        )
    )

    coupon.refresh_from_db()
    assert sorted(outcomes) == ["discounted"] + ["full price"] * 5
    assert coupon.uses_count == 1
    assert CouponCustomerUse.objects.get(coupon=coupon).uses == 1
    assert Order.objects.count() == 6


def _coupon_order(*, uses_total: int = 10, **coupon_fields) -> tuple[Order, OrderDiscount]:
    variant = VariantFactory(price=D("100.00"), stock=10)
    coupon = CouponFactory(code="BACK", value=D("10"), uses_total=uses_total, **coupon_fields)
    order = order_place(
        cart=cart_with((variant, 1)),
        checkout=checkout_data(email="mei@example.com", coupon_code="BACK"),
        token=uuid.uuid4(),
    )
    coupon.refresh_from_db()
    assert coupon.uses_count == 1
    return order, order.discounts.get()


def _cancel(order: Order) -> str:
    try:
        order_cancel(order=order)
    except InvalidTransition:
        return "refused"
    return "cancelled"


def test_two_concurrent_cancels_give_the_coupon_use_back_once():
    order, discount = _coupon_order(uses_per_customer=1)

    outcomes = run_together(partial(_cancel, order), partial(_cancel, order))

    discount.refresh_from_db()
    assert sorted(outcomes) == ["cancelled", "refused"]
    assert discount.coupon.uses_count == 0
    assert CouponCustomerUse.objects.get(coupon=discount.coupon).uses == 0
    assert discount.use_returned_at is not None


def test_the_unpaid_order_job_and_staff_cancelling_at_once_give_the_use_back_once():
    order, discount = _coupon_order()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))

    job, staff = run_together(
        partial(order_cancel_expired, older_than=timedelta(days=2)), partial(_cancel, order)
    )

    discount.refresh_from_db()
    assert (job == [order.number]) != (staff == "cancelled")
    assert discount.coupon.uses_count == 0
    assert discount.use_returned_at is not None
