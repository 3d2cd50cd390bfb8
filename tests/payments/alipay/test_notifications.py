"""Paying with Alipay: only the verified notification marks the order paid, once; the cashier's buttons."""

from decimal import Decimal
from http.client import HTTPConnection
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from orders.models import OrderEvent, OutboundEmail
from payments.models import Payment, PaymentEvent
from tests.helpers import free_port, run_tasks
from tests.payments.alipay.helpers import NOTIFY_PATH, post_notification
from tests.payments.alipay.standin import AlipayStandin
from tests.payments.helpers import latest_order, online_checkout

pytestmark = pytest.mark.django_db


def press_cashier_button(standin: AlipayStandin, button: str, reference: str) -> tuple[int, str]:
    """POST the cashier's Pay or Cancel form as a browser would, without following the redirect."""
    connection = HTTPConnection("127.0.0.1", standin.port, timeout=10)
    try:
        connection.request(
            "POST",
            f"/cashier/{button}",
            body=f"out_trade_no={reference}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_guest_pays_and_the_verified_notification_marks_the_order_paid(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    notification = alipay.pay(payment.reference)
    returned = client.get(f"{order.get_access_url()}&payment=returned")
    order.refresh_from_db()
    assert order.payment_status == "unpaid"  # coming back proves nothing
    assert "waiting for Alipay to confirm" in returned.content.decode()

    response = post_notification(client, notification)

    assert (response.status_code, response.content, response["Content-Type"]) == (
        200,
        b"success",
        "text/plain",
    )
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == "paid"
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == alipay.trades[payment.reference].trade_no
    event = PaymentEvent.objects.get(kind="notification")
    assert event.verdict == PaymentEvent.Verdict.ACCEPTED
    assert event.event_id == notification.fields["notify_id"]
    assert (event.amount, event.currency, event.status) == (Decimal("100.00"), "CNY", "TRADE_SUCCESS")
    assert "sign" not in event.payload and "buyer_logon_id" not in event.payload
    assert event.payload["trade_no"] == payment.gateway_reference
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    run_tasks()
    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"


def test_a_notification_that_arrives_before_the_shopper_returns(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed

    post_notification(client, alipay.pay(payment.reference))
    page = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "order-status-awaiting_shipment" in page
    assert "waiting for Alipay to confirm" not in page


def test_the_cashier_pay_button_notifies_and_sends_the_browser_back(
    client, alipay, variant, shipping, settings
):
    # Nothing listens at the notify address here: the stand-in's delivery attempt is recorded.
    settings.PAYMENT_NOTIFY_BASE_URL = f"http://127.0.0.1:{free_port()}"
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    payment = order.payments.get()
    alipay.open_cashier(payment.redirect_url)

    status, location = press_cashier_button(alipay, "pay", payment.reference)

    assert status == 302
    assert location.startswith(f"{settings.SITE_URL}{order.get_access_url()}&payment=returned&")
    assert parse_qs(urlsplit(location).query)["out_trade_no"] == [payment.reference]
    [(notification, _status, _body)] = alipay.delivered
    assert notification.url == f"{settings.PAYMENT_NOTIFY_BASE_URL}{NOTIFY_PATH}"
    assert latest_order().payment_status == "unpaid"  # the return URL proves nothing
    assert post_notification(client, notification).content == b"success"
    assert latest_order().payment_status == "paid"


def test_an_abandoned_payment_fails_and_the_shopper_can_start_again(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed

    response = post_notification(client, alipay.cancel(payment.reference))
    again = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response.content == b"success"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == "unpaid"
    second = order.payments.exclude(pk=payment.pk).get()
    assert second.reference == f"{order.number}-2"
    assert again["Location"] == second.redirect_url


def test_a_duplicate_is_acknowledged_and_applied_once(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    notification = alipay.pay(payment.reference)

    first = post_notification(client, notification)
    again = post_notification(client, notification)

    assert first.content == again.content == b"success"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    assert list(PaymentEvent.objects.filter(kind="notification").values_list("verdict", flat=True)) == [
        "accepted",
        "duplicate",
    ]
