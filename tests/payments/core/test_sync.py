"""``sync_payments``: lost notifications recovered, young payments left alone, abandoned ones closed, once."""

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.management import call_command

from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent
from payments.services import payments_sync
from tests.helpers import run_together
from tests.payments.core.fake_gateway import BANK
from tests.payments.helpers import online_checkout

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]


def test_lost_notification_is_recovered_by_sync_payments(fakepay_placed, settings):
    order, payment, _response = fakepay_placed
    BANK.paid[payment.reference] = Decimal("100.00")
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - settings.PAYMENT_SYNC_AFTER * 2
    )

    call_command("sync_payments")

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.QUERY, verdict="accepted").count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_sync_leaves_young_payments_alone_and_never_trusts_an_unpaid_answer(fakepay_placed):
    order, _payment, _response = fakepay_placed

    assert payments_sync()["checked"] == 0
    assert payments_sync(older_than=timedelta(0))["checked"] == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_sync_closes_the_unpaid_attempt_of_a_cancelled_order(fakepay_placed):
    order, payment, _response = fakepay_placed
    order_cancel(order=order)

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["closed"] == 1
    assert payment.status == Payment.Status.CANCELLED
    assert BANK.calls[-2:] == ["query", "close"]


@pytest.mark.django_db(transaction=True)
def test_two_sync_runs_at_once_ask_the_gateway_once(client, variant, shipping):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")
    payment = Payment.objects.get()
    BANK.paid[payment.reference] = Decimal("100.00")
    sync = partial(payments_sync, older_than=timedelta(0))

    run_together(sync, sync)

    assert BANK.calls.count("query") == 1
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.PAID).count() == 1
