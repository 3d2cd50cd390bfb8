"""WeChat Pay notifications the shop must refuse (forged, stale, replayed, mismatched): nothing changes."""

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from orders.models import Order
from payments.models import Payment, PaymentEvent
from tests.payments.helpers import latest_order, online_checkout
from tests.payments.wechat.helpers import assert_nothing_paid, refused

pytestmark = pytest.mark.django_db


NOTIFY_PATH = "/payments/notify/wechat/"


def test_notification_signed_with_another_key_is_refused_and_the_genuine_one_accepted(
    client, wechat, wechat_placed
):
    order, payment, _response = wechat_placed
    wechat.pay(payment.reference)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = wechat.transaction_notification(payment.reference, signing_key=forger).post(client)

    assert refused(forged)
    assert_nothing_paid(order, payment)
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.reason == "bad signature or resource that does not decrypt"
    assert wechat.transaction_notification(payment.reference).post(client).status_code == 204
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_tampered_body_is_refused(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    genuine = wechat.pay(payment.reference)
    other = wechat.transaction_notification(payment.reference)

    response = genuine.with_body(other.body).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"serial": "PUB_KEY_ID_0000000000000000000000000000000000"}, "signed with an unknown key"),
        ({"age": 6 * 60}, "stale Wechatpay-Timestamp"),
        ({"age": -6 * 60}, "stale Wechatpay-Timestamp"),
        ({"apiv3_key": "0" * 32}, "bad signature or resource that does not decrypt"),
    ],
    ids=["unknown-serial", "old", "future", "wrong-apiv3-key"],
)
def test_foreign_stale_or_undecryptable_notification_is_refused(
    client, wechat, wechat_placed, options, reason
):
    order, payment, _response = wechat_placed
    wechat.pay(payment.reference)
    if "age" in options:  # signed that many seconds ago (negative: ahead of our clock)
        options = {"timestamp": int(time.time()) - options["age"]}

    response = wechat.transaction_notification(payment.reference, **options).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)
    assert PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason.startswith(reason)


def test_notification_without_signature_headers_is_refused(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    notification = wechat.pay(payment.reference)

    response = client.post(NOTIFY_PATH, data=notification.body, content_type="application/json")

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_old_notification_replayed_later_is_refused(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    # Captured when it was sent six minutes ago, and sent again now.
    replayed = wechat.pay(payment.reference, timestamp=int(time.time()) - 6 * 60)

    response = replayed.post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_replayed_event_id_with_other_content_is_refused(client, wechat, wechat_placed, variant, shipping):
    _order, payment, _response = wechat_placed
    first = wechat.pay(payment.reference)
    assert first.post(client).status_code == 204
    online_checkout(client, variant=variant, shipping=shipping, method="wechat")
    other_payment = latest_order().payments.get()
    wechat.pay(other_payment.reference)
    event_id = json.loads(first.body)["id"]

    response = wechat.transaction_notification(other_payment.reference, notification_id=event_id).post(client)

    assert refused(response)
    other_payment.refresh_from_db()
    assert other_payment.status == Payment.Status.PENDING
    assert other_payment.order.payment_status == Order.PaymentStatus.UNPAID


def test_amount_mismatch_is_refused_and_changes_nothing(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    wechat.transaction(payment.reference).total = 9900  # ¥99.00 paid for a ¥100.00 order

    response = wechat.pay(payment.reference).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)
    event = payment.events.get(kind="notification")
    assert event.verdict == PaymentEvent.Verdict.REJECTED
    assert event.reason == "amount 99.00 does not match 100.00"


def test_currency_mismatch_is_refused(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    wechat.transaction(payment.reference).currency = "USD"

    response = wechat.pay(payment.reference).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_notification_for_an_unknown_order_is_refused(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed
    transaction = wechat.transaction(payment.reference)
    wechat.pay(payment.reference)
    resource = wechat.transaction_resource(transaction) | {"out_trade_no": "MPZZZZZZZZ-1"}

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
    ).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


@pytest.mark.parametrize("field", [{"mchid": "1900000001"}, {"appid": "wx0000000000000000"}])
def test_notification_for_another_merchant_or_app_is_refused(client, wechat, wechat_placed, field):
    order, payment, _response = wechat_placed
    transaction = wechat.transaction(payment.reference)
    wechat.pay(payment.reference)
    resource = wechat.transaction_resource(transaction) | field

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
    ).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)
