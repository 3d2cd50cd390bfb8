"""Asking Alipay instead of waiting for it: ``sync_payments`` for lost notifications, and closing trades."""

from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from orders.models import OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent
from payments.providers.alipay import AlipayProvider
from payments.providers.base import GatewayError
from tests.helpers import run_tasks
from tests.payments.alipay.helpers import post_notification, sync_payments
from tests.payments.helpers import latest_order, online_checkout
from tests.payments.standin_rsa import private_pem, public_pem

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_a_lost_notification_is_recovered_by_sync_payments(client, alipay_placed, alipay, settings):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)  # paid at Alipay; the notification never arrives

    sync_payments(settings)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == "paid"
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == alipay.trades[payment.reference].trade_no
    query = PaymentEvent.objects.get(kind="query")
    assert (query.verdict, query.amount, query.status) == ("accepted", Decimal("100.00"), "TRADE_SUCCESS")
    assert ("alipay.trade.query", {"out_trade_no": payment.reference}) in alipay.api_calls
    run_tasks()
    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"
    # The notification that finally arrives is a duplicate of what the query applied.
    assert post_notification(client, alipay.notification(payment.reference)).content == b"success"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1


def test_sync_leaves_a_payment_the_shopper_may_still_pay_pending(alipay_placed, alipay, settings):
    _order, payment, _response = alipay_placed

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.filter(kind="query").exists()


def test_sync_fails_a_payment_whose_cashier_was_never_opened_and_has_expired(
    client, alipay, variant, shipping, settings
):
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()
    sync_payments(settings)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING  # the link is still valid
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1), checked_at=None
    )

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert latest_order().payment_status == "unpaid"


def test_a_cancelled_orders_open_trade_is_closed_at_alipay(alipay_placed, alipay, settings):
    order, payment, _response = alipay_placed
    order_cancel(order=order)

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert alipay.trades[payment.reference].status == "TRADE_CLOSED"


def test_an_answer_with_a_bad_signature_changes_nothing(alipay_placed, alipay, settings):
    _order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    settings.ALIPAY_PUBLIC_KEY = public_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert latest_order().payment_status == "unpaid"
    assert not PaymentEvent.objects.filter(kind="query").exists()


def test_alipay_down_changes_nothing(alipay_placed, alipay, settings):
    _order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    alipay.unavailable = True

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_the_gateway_refuses_requests_signed_with_another_app_key(alipay_placed, alipay, settings):
    _order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    settings.ALIPAY_APP_PRIVATE_KEY = private_pem(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert alipay.api_calls == []


def test_closing_a_trade_the_shopper_never_opened(client, alipay, variant, shipping):
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()

    with pytest.raises(GatewayError, match=r"ACQ\.TRADE_NOT_EXIST"):
        AlipayProvider().checkout_close(payment=payment)  # its cashier link could still be used
    payment.expires_at = timezone.now() - timedelta(seconds=1)
    AlipayProvider().checkout_close(payment=payment)  # expired: nobody can pay it any more


def test_closing_a_trade_that_was_paid_meanwhile_is_refused(alipay_placed, alipay):
    _order, payment, _response = alipay_placed
    alipay.pay(payment.reference)

    with pytest.raises(GatewayError, match=r"ACQ\.TRADE_STATUS_ERROR"):
        AlipayProvider().checkout_close(payment=payment)
