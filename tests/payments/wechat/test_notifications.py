"""WeChat Pay's verified notifications: the order paid once, the email sent, and the shop's answers."""

import json
from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent, OutboundEmail
from payments.models import Payment, PaymentEvent
from payments.providers.wechat import WeChatPayProvider
from tests.helpers import run_tasks
from tests.payments.wechat.helpers import assert_nothing_paid

pytestmark = pytest.mark.django_db


def test_verified_notification_marks_the_order_paid_and_queues_the_email(client, wechat, wechat_placed):
    order, payment, response = wechat_placed

    answer = wechat.pay(payment.reference).post(client)

    assert (answer.status_code, answer.content) == (204, b"")
    order.refresh_from_db()
    payment.refresh_from_db()
    transaction = wechat.transaction(payment.reference)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == transaction.transaction_id
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    event = payment.events.get(kind=PaymentEvent.Kind.NOTIFICATION)
    assert (event.verdict, event.amount, event.currency, event.status) == (
        PaymentEvent.Verdict.ACCEPTED,
        Decimal("100.00"),
        "CNY",
        "SUCCESS",
    )
    assert event.event_id.startswith("EV-")
    stored = json.dumps(event.payload)
    assert event.payload["resource"]["transaction_id"] == transaction.transaction_id
    assert "ciphertext" not in stored and "openid" not in stored and "nonce" not in stored
    # The QR page sends the shopper on to the order page once paid.
    assert client.get(response["Location"])["Location"] == order.get_access_url()


@pytest.mark.django_db(transaction=True)
def test_paid_email_is_sent_by_the_worker(client, wechat, wechat_paid, mailoutbox):
    order, _payment = wechat_paid

    run_tasks()

    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"
    paid_mail = [message for message in mailoutbox if "Payment received" in message.subject]
    assert [message.to for message in paid_mail] == [["ann@example.com"]]
    assert order.number in paid_mail[0].subject


def test_returning_shopper_waits_and_is_never_marked_paid_by_the_browser(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed

    page = client.get(f"{order.get_access_url()}&payment=returned&trade_state=SUCCESS")

    assert "We are waiting for WeChat Pay to confirm your payment" in page.content.decode()
    assert_nothing_paid(order, payment)


def test_notification_before_the_shopper_returns_shows_paid_on_return(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    wechat.pay(payment.reference).post(client)

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for WeChat Pay" not in html
    assert "Awaiting shipment" in html


def test_duplicate_delivery_is_acknowledged_and_applied_once(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    notification = wechat.pay(payment.reference)

    first = notification.post(client)
    second = notification.post(client)

    assert (first.status_code, second.status_code) == (204, 204)
    verdicts = list(payment.events.filter(kind="notification").values_list("verdict", flat=True))
    assert verdicts == [PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE]
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_genuine_notification_of_another_kind_is_acknowledged_and_changes_nothing(
    client, wechat, wechat_placed
):
    order, payment, _response = wechat_placed
    transaction = wechat.transaction(payment.reference)

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.CLOSED",
        summary="已关闭",
        original_type="transaction",
        resource=wechat.transaction_resource(transaction),
    ).post(client)

    assert response.status_code == 204
    assert_nothing_paid(order, payment)


def test_notification_answers_follow_wechat_pay_documentation():
    provider = WeChatPayProvider()

    accepted = provider.notification_response(accepted=True)
    refusal = provider.notification_response(accepted=False)

    assert (accepted.status_code, accepted.content) == (204, b"")
    assert refusal.status_code == 400
    assert json.loads(refusal.content)["code"] == "FAIL"
