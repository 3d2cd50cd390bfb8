"""WeChat Pay refunds: from the admin and by the core, completed by their notification or by sync."""

from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from orders.models import Order, OutboundEmail
from orders.services import order_cancel
from payments.models import PaymentEvent, Refund
from payments.services import payment_refund, payments_sync
from tests.helpers import run_tasks
from tests.payments.helpers import refund_staff_login
from tests.payments.wechat.helpers import refused

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_payment_after_cancellation_is_refunded_automatically(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    order_cancel(order=order, note="unpaid for too long")

    response = wechat.pay(payment.reference).post(client)
    run_tasks()

    assert response.status_code == 204
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.surplus is True
    refund = payment.refunds.get()
    at_gateway = wechat.refunds[refund.reference]
    assert (at_gateway.refund, at_gateway.total, at_gateway.status) == (10000, 10000, "PROCESSING")
    assert refund.status == Refund.Status.PENDING
    assert wechat.refund_complete(refund.reference).post(client).status_code == 204
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED


def test_partial_then_full_refund_from_the_admin(client, wechat, wechat_paid):
    order, payment = wechat_paid
    wechat.refund_status = "SUCCESS"
    refund_staff_login(client)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    partial = client.post(url, {"amount": "30.50", "reason": "one cup broken"})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert partial.status_code == 302
    assert (order.payment_status, payment.amount_refunded) == (Order.PaymentStatus.PAID, Decimal("30.50"))
    too_much = client.post(url, {"amount": "69.51"})
    rest = client.post(url, {"amount": "69.50"})

    assert too_much.status_code == 400
    assert rest.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    first, second = payment.refunds.order_by("id")
    assert (first.status, second.status) == (Refund.Status.SUCCEEDED, Refund.Status.SUCCEEDED)
    assert [(r.refund, r.total, r.reason) for r in wechat.refunds.values()] == [
        (3050, 10000, "one cup broken"),
        (6950, 10000, ""),
    ]
    assert first.gateway_reference == wechat.refunds[first.reference].refund_id
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.REFUNDED).count() == 1


def test_processing_refund_is_completed_by_its_notification(client, wechat, wechat_paid):
    order, payment = wechat_paid

    refund = payment_refund(payment=payment, amount=Decimal("100.00"), reason="out of stock")

    assert refund.status == Refund.Status.PENDING
    assert wechat.refunds[refund.reference].notify_url == "http://testserver/payments/notify/wechat/"
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    notification = wechat.refund_complete(refund.reference)
    assert notification.post(client).status_code == 204
    assert notification.post(client).status_code == 204  # a second delivery changes nothing
    refund.refresh_from_db()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    event = PaymentEvent.objects.filter(kind="notification", verdict="accepted").last()
    assert (event.status, event.amount) == ("SUCCESS", Decimal("100.00"))
    assert event.payload["resource"]["out_refund_no"] == refund.reference


def test_abnormal_refund_notification_marks_the_refund_failed(client, wechat, wechat_paid):
    _order, payment = wechat_paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))

    response = wechat.refund_complete(refund.reference, status="ABNORMAL").post(client)

    assert response.status_code == 204
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert payment.amount_refunded == Decimal("0.00")


def test_forged_refund_notification_is_refused(client, wechat, wechat_paid):
    _order, payment = wechat_paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = wechat.refund_complete(refund.reference, signing_key=forger).post(client)

    assert refused(response)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING


def test_pending_refund_is_finished_by_sync(wechat, wechat_paid):
    order, payment = wechat_paid
    refund = payment_refund(payment=payment, amount=Decimal("100.00"))
    wechat.refunds[refund.reference].status = "SUCCESS"

    counts = payments_sync(older_than=timedelta(0))

    refund.refresh_from_db()
    order.refresh_from_db()
    assert counts["refund_succeeded"] == 1
    assert refund.status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED


def test_refund_while_the_gateway_is_down_stays_pending_then_sync_sends_it_once(wechat, wechat_paid):
    _order, payment = wechat_paid
    wechat.stop()

    refund = payment_refund(payment=payment, amount=Decimal("10.00"))

    assert refund.status == Refund.Status.PENDING
    assert "cannot reach" in refund.error
    wechat.start()
    payments_sync(older_than=timedelta(0))
    refund.refresh_from_db()
    assert list(wechat.refunds) == [refund.reference]  # sent once, when WeChat Pay was back
    assert refund.status in (Refund.Status.PENDING, Refund.Status.SUCCEEDED)


def test_refund_refused_by_the_gateway_is_recorded_as_failed(wechat, wechat_paid):
    _order, payment = wechat_paid
    wechat.transaction(payment.reference).total = 5000  # the gateway sees another order total

    refund = payment_refund(payment=payment, amount=Decimal("10.00"))

    assert refund.status == Refund.Status.FAILED
    assert "INVALID_REQUEST" in refund.error
