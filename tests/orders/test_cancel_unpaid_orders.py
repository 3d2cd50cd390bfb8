from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, OrderEvent, OutboundEmail
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory

pytestmark = pytest.mark.django_db


def placed(order: Order, *, hours_ago: float) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return order


def test_cancels_old_unpaid_bank_transfer_orders_and_restocks_them():
    variant = VariantFactory(stock=1)
    order = placed(OrderFactory(payment_method="bank_transfer"), hours_ago=25)
    OrderLineFactory(order=order, variant=variant, quantity=2)
    out = StringIO()

    call_command("cancel_unpaid_orders", stdout=out)

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.is_cancelled
    assert variant.stock == 3
    assert out.getvalue() == f"Cancelled 1 unpaid order(s): {order.number}\n"
    event = OrderEvent.objects.get(order=order, kind="cancelled")
    assert (event.actor, event.note) == (None, "Payment was not received in time.")
    assert list(OutboundEmail.objects.filter(order=order).values_list("kind", flat=True)) == ["cancelled"]


def test_leaves_recent_paid_confirmed_cod_shipped_and_cancelled_orders_alone():
    recent = placed(OrderFactory(), hours_ago=23)
    paid = placed(OrderFactory(payment_status="paid"), hours_ago=48)
    cod = placed(OrderFactory(payment_method="cod", confirmed_at=timezone.now()), hours_ago=48)
    shipped = placed(OrderFactory(payment_method="cod", fulfilment_status="shipped"), hours_ago=48)
    cancelled_at = timezone.now() - timedelta(hours=30)
    cancelled = placed(OrderFactory(cancelled_at=cancelled_at), hours_ago=48)

    call_command("cancel_unpaid_orders", stdout=StringIO())

    for order in (recent, paid, cod, shipped):
        order.refresh_from_db()
        assert not order.is_cancelled
    cancelled.refresh_from_db()
    assert cancelled.cancelled_at == cancelled_at
    assert OrderEvent.objects.count() == 0


def test_the_timeout_is_a_setting(settings):
    settings.ORDER_PAYMENT_TIMEOUT = timedelta(minutes=30)
    order = placed(OrderFactory(), hours_ago=1)

    call_command("cancel_unpaid_orders", stdout=StringIO())

    order.refresh_from_db()
    assert order.is_cancelled


def test_running_again_cancels_nothing_more():
    variant = VariantFactory(stock=0)
    order = placed(OrderFactory(), hours_ago=30)
    OrderLineFactory(order=order, variant=variant, quantity=1)
    call_command("cancel_unpaid_orders", stdout=StringIO())
    out = StringIO()

    call_command("cancel_unpaid_orders", stdout=out)

    variant.refresh_from_db()
    assert out.getvalue() == ""
    assert variant.stock == 1
    assert OrderEvent.objects.filter(kind="cancelled").count() == 1


def test_cancels_cash_on_delivery_orders_left_unconfirmed_and_restocks_them(settings):
    settings.COD_CONFIRM_HOURS = 24
    variant = VariantFactory(stock=1)
    unconfirmed = placed(OrderFactory(payment_method="cod"), hours_ago=25)
    OrderLineFactory(order=unconfirmed, variant=variant, quantity=3)
    confirmed = placed(OrderFactory(payment_method="cod", confirmed_at=timezone.now()), hours_ago=25)
    OrderLineFactory(order=confirmed, variant=variant, quantity=2)
    recent = placed(OrderFactory(payment_method="cod"), hours_ago=23)
    out = StringIO()

    call_command("cancel_unpaid_orders", stdout=out)

    for order in (unconfirmed, confirmed, recent):
        order.refresh_from_db()
    variant.refresh_from_db()
    assert unconfirmed.is_cancelled
    assert not confirmed.is_cancelled
    assert not recent.is_cancelled
    assert variant.stock == 4
    assert out.getvalue() == f"Cancelled 1 unpaid order(s): {unconfirmed.number}\n"
    event = OrderEvent.objects.get(order=unconfirmed, kind="cancelled")
    assert (event.actor, event.note) == (None, "The order was not confirmed in time.")
    assert OrderEvent.objects.filter(order=unconfirmed, kind="restocked").count() == 1


def test_a_confirmation_time_of_zero_never_cancels_cash_on_delivery_orders(settings):
    settings.COD_CONFIRM_HOURS = 0
    order = placed(OrderFactory(payment_method="cod"), hours_ago=500)

    call_command("cancel_unpaid_orders", stdout=StringIO())

    order.refresh_from_db()
    assert not order.is_cancelled
