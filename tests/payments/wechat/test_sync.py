"""Asking WeChat Pay instead of waiting for it: failed, abandoned and lost payments, queries and closing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent
from payments.providers.base import EventKind, GatewayError
from payments.providers.wechat import WeChatPayProvider
from payments.services import payments_sync
from tests.payments.wechat.helpers import assert_nothing_paid
from tests.payments.wechat.standin import StandInError

pytestmark = pytest.mark.django_db


def test_failed_payment_is_recorded_by_sync_and_the_order_stays_unpaid(wechat, wechat_placed, settings):
    order, payment, _response = wechat_placed
    wechat.fail(payment.reference)
    settings.PAYMENT_SYNC_AFTER = timedelta(0)

    call_command("sync_payments", verbosity=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.events.get(kind=PaymentEvent.Kind.QUERY).status == "PAYERROR"


def test_unpaid_qr_code_stays_pending_at_sync(wechat, wechat_placed):
    order, payment, _response = wechat_placed

    counts = payments_sync(older_than=timedelta(0))

    assert counts["checked"] == 1 and counts["paid"] == 0
    assert_nothing_paid(order, payment)
    assert ("GET", f"/v3/pay/transactions/out-trade-no/{payment.reference}", 200) in wechat.calls


def test_abandoned_payment_of_a_cancelled_order_is_closed_at_the_gateway(wechat, wechat_placed):
    order, payment, _response = wechat_placed
    order_cancel(order=order, note="unpaid for too long")

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["closed"] == 1
    assert payment.status == Payment.Status.CANCELLED
    assert wechat.transaction(payment.reference).trade_state == "CLOSED"
    with pytest.raises(StandInError):
        wechat.pay(payment.reference)


def test_lost_notification_is_recovered_by_sync_payments(wechat, wechat_placed, settings):
    order, payment, _response = wechat_placed
    wechat.pay(payment.reference)  # the notification never arrives
    settings.PAYMENT_SYNC_AFTER = timedelta(0)

    call_command("sync_payments", verbosity=0)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == wechat.transaction(payment.reference).transaction_id
    event = payment.events.get(kind=PaymentEvent.Kind.QUERY)
    assert (event.verdict, event.amount, event.event_id) == (
        PaymentEvent.Verdict.ACCEPTED,
        Decimal("100.00"),
        None,
    )
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_late_notification_after_sync_is_acknowledged_once(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    notification = wechat.pay(payment.reference)
    payments_sync(older_than=timedelta(0))

    response = notification.post(client)

    assert response.status_code == 204
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1


def test_query_of_a_payment_never_created_at_the_gateway_says_failed(wechat, wechat_placed):
    _order, payment, _response = wechat_placed
    del wechat.transactions[payment.reference]

    event = WeChatPayProvider().payment_query(payment=payment)

    assert (event.kind, event.status) == (EventKind.FAILED, "ORDER_NOT_EXIST")


def test_closing_a_paid_payment_is_a_gateway_error(wechat, wechat_placed):
    _order, payment, _response = wechat_placed
    wechat.pay(payment.reference)

    with pytest.raises(GatewayError, match="ORDERPAID"):
        WeChatPayProvider().checkout_close(payment=payment)
