"""Real threads on separate connections against PostgreSQL."""

import uuid
from datetime import timedelta
from functools import partial
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.exceptions import InvalidTransition, OutOfStock
from orders.models import Order, OrderEvent
from orders.services import order_cancel, order_place
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory
from tests.helpers import run_together
from tests.orders.helpers import cart_with, checkout_data, standard_shipping

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_checkouts_for_the_last_unit_sell_it_once():
    variant = VariantFactory(stock=1)
    shipping = standard_shipping()
    outcomes = []

    def buy(index: int) -> None:
        try:
            order_place(
                cart=cart_with((variant, 1)),
                checkout=checkout_data(shipping_method=shipping),
                token=uuid.uuid4(),
            )
            outcomes.append("sold")
        except OutOfStock:
            outcomes.append("refused")

    run_together(*(partial(buy, index) for index in range(2)))

    variant.refresh_from_db()
    assert sorted(outcomes) == ["refused", "sold"]
    assert variant.stock == 0
    assert Order.objects.count() == 1


def test_forty_buyers_for_five_items_sell_exactly_five():
    variant = VariantFactory(stock=5)
    other = VariantFactory(stock=1000)
    shipping = standard_shipping()
    outcomes = []

    def buy(index: int) -> None:
        # Half the buyers also take another variant, so lock order matters.
        items = [(variant, 1), (other, 1)] if index % 2 else [(other, 1), (variant, 1)]
        try:
            order_place(
                cart=cart_with(*items), checkout=checkout_data(shipping_method=shipping), token=uuid.uuid4()
            )
            outcomes.append("sold")
        except OutOfStock:
            outcomes.append("refused")

    run_together(*(partial(buy, index) for index in range(40)))

    variant.refresh_from_db()
    other.refresh_from_db()
    assert outcomes.count("sold") == 5
    assert outcomes.count("refused") == 35
    assert variant.stock == 0
    assert other.stock == 995
    assert Order.objects.count() == 5


def test_a_double_submit_at_the_same_moment_makes_one_order():
    variant = VariantFactory(stock=10)
    shipping = standard_shipping()
    token = uuid.uuid4()
    numbers = []

    def submit(index: int) -> None:
        order = order_place(
            cart=cart_with((variant, 2)), checkout=checkout_data(shipping_method=shipping), token=token
        )
        numbers.append(order.number)

    run_together(*(partial(submit, index) for index in range(4)))

    variant.refresh_from_db()
    assert len(numbers) == 4
    assert len(set(numbers)) == 1
    assert Order.objects.count() == 1
    assert variant.stock == 8


def test_two_concurrent_cancels_restock_once():
    variant = VariantFactory(stock=0)
    order = OrderFactory()
    OrderLineFactory(order=order, variant=variant, quantity=3)
    outcomes = []

    def cancel(index: int) -> None:
        try:
            order_cancel(order=Order.objects.get(pk=order.pk))
            outcomes.append("cancelled")
        except InvalidTransition:
            outcomes.append("refused")

    run_together(*(partial(cancel, index) for index in range(2)))

    variant.refresh_from_db()
    assert sorted(outcomes) == ["cancelled", "refused"]
    assert variant.stock == 3
    assert OrderEvent.objects.filter(kind="restocked").count() == 1


def test_cancel_unpaid_orders_run_twice_at_once_cancels_each_order_once():
    variant = VariantFactory(stock=0)
    orders = [OrderFactory() for _ in range(6)]
    for order in orders:
        OrderLineFactory(order=order, variant=variant, quantity=1)
    Order.objects.update(created_at=timezone.now() - timedelta(days=2))

    run_together(*(lambda: call_command("cancel_unpaid_orders", stdout=StringIO()) for _ in range(2)))

    variant.refresh_from_db()
    assert variant.stock == 6
    assert Order.objects.filter(cancelled_at__isnull=False).count() == 6
    assert OrderEvent.objects.filter(kind="cancelled").count() == 6
    assert OrderEvent.objects.filter(kind="restocked").count() == 6
