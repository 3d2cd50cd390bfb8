"""Alipay refunds: from the admin and by the core, confirmed by notification or by sync, never twice."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.services import order_cancel
from payments.models import Payment, Refund
from payments.providers.alipay import AlipayProvider
from payments.services import payment_refund
from tests.helpers import run_tasks
from tests.payments.alipay.helpers import post_notification, sync_payments
from tests.payments.helpers import latest_order, refund_staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, alipay, alipay_placed):
    """The placed order, paid through a verified notification."""
    order, payment, _response = alipay_placed
    response = post_notification(client, alipay.pay(payment.reference))
    assert response.content == b"success"
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


def refund_as_staff(client, payment: Payment, amount: str):
    """POST the admin's refund form for ``amount``, as staff allowed to refund."""
    refund_staff_login(client)
    return client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": amount})


@pytest.mark.django_db(transaction=True)
def test_a_payment_after_cancellation_is_refunded_automatically(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    order_cancel(order=order)

    response = post_notification(client, alipay.pay(payment.reference))
    run_tasks()

    assert response.content == b"success"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == "unpaid"
    assert payment.surplus and payment.amount_refunded == Decimal("100.00")
    assert alipay.trades[payment.reference].refunds == {f"{payment.reference}-R1": Decimal("100.00")}


def test_a_partial_then_a_full_refund_from_the_admin(client, paid, alipay):
    order, payment = paid

    partial = refund_as_staff(client, payment, "30.00")

    assert partial.status_code == 302
    first = payment.refunds.get()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (first.status, first.amount, first.reference) == (
        "succeeded",
        Decimal("30.00"),
        f"{payment.reference}-R1",
    )
    assert first.gateway_reference == payment.gateway_reference
    assert payment.amount_refunded == Decimal("30.00")
    assert order.payment_status == "paid"
    # Alipay's refund notification (TRADE_SUCCESS, refund_fee, out_biz_no) is acknowledged, applied once.
    assert post_notification(client, alipay.outbox.pop()).content == b"success"
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("30.00")

    full = refund_as_staff(client, payment, "70.00")

    assert full.status_code == 302
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == "refunded"
    assert alipay.trades[payment.reference].refunds == {
        f"{payment.reference}-R1": Decimal("30.00"),
        f"{payment.reference}-R2": Decimal("70.00"),
    }
    # The full refund closes the trade at Alipay; that notification is no failed payment.
    closing = alipay.outbox.pop()
    assert closing.fields["trade_status"] == "TRADE_CLOSED"
    assert post_notification(client, closing).content == b"success"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert [call for call, _biz in alipay.api_calls].count("alipay.trade.refund") == 2


def test_a_refund_over_what_was_paid_is_refused_and_not_sent(client, paid, alipay):
    _order, payment = paid

    response = refund_as_staff(client, payment, "100.01")

    assert response.status_code == 400
    assert not payment.refunds.exists()
    assert alipay.trades[payment.reference].refunds == {}


def test_a_refund_whose_answer_is_lost_is_confirmed_by_sync(client, paid, alipay, settings):
    _order, payment = paid
    alipay.lose_next_refund_answer = True
    refund_as_staff(client, payment, "40.00")
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.PENDING

    sync_payments(settings)

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("40.00")
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("40.00")}


def test_a_refund_alipay_never_received_is_sent_again_by_sync(client, paid, alipay, settings):
    _order, payment = paid
    alipay.fail_next_refund = True
    refund_as_staff(client, payment, "100.00")
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.PENDING
    assert alipay.trades[payment.reference].refunds == {}

    sync_payments(settings)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("100.00")}
    assert latest_order().payment_status == "refunded"


def test_a_refund_notification_completes_a_pending_refund(client, paid, alipay):
    _order, payment = paid
    alipay.lose_next_refund_answer = True
    refund_as_staff(client, payment, "25.00")
    refund = payment.refunds.get()

    response = post_notification(client, alipay.outbox.pop())

    assert response.content == b"success"
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("25.00")


def test_a_refund_alipay_refuses_is_recorded_as_failed(client, paid, alipay):
    order, payment = paid
    alipay.trades[payment.reference].refunds["CONSOLE-1"] = Decimal("95.00")  # refunded in Alipay's console

    response = refund_as_staff(client, payment, "10.00")

    assert response.status_code == 302
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.FAILED
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in refund.error
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.payment_status) == (Decimal("0.00"), "paid")


def test_sending_the_same_refund_again_never_refunds_twice(paid, alipay):
    _order, payment = paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))

    again = AlipayProvider().refund_create(payment=payment, refund=refund)

    assert again.status == "succeeded"
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("20.00")}
    assert [call for call, _biz in alipay.api_calls] == [
        "alipay.trade.refund",
        "alipay.trade.refund",
        "alipay.trade.fastpay.refund.query",
    ]
