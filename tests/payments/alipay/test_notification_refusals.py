"""Alipay notifications the shop must refuse (forged, tampered, mismatched, replayed, stale, for someone
else, malformed) and that change nothing.
"""

from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import RequestFactory

from orders.models import Order, OrderEvent
from payments.models import PaymentEvent
from payments.providers.alipay import AlipayProvider
from payments.providers.base import NotificationRejected
from tests.payments.alipay.helpers import NOTIFY_PATH, post_notification
from tests.payments.alipay.standin import backdated
from tests.payments.helpers import latest_order

pytestmark = pytest.mark.django_db


def snapshot(order: Order) -> tuple:
    """What a refused notification must leave unchanged."""
    order.refresh_from_db()
    payments = list(
        order.payments.order_by("id").values_list("status", "gateway_reference", "amount_refunded")
    )
    accepted = PaymentEvent.objects.filter(verdict=PaymentEvent.Verdict.ACCEPTED, kind="notification").count()
    return order.payment_status, payments, accepted, OrderEvent.objects.filter(order=order).count()


def test_a_forged_notification_is_refused_and_the_genuine_one_accepted(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    before = snapshot(order)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = post_notification(client, alipay.notification(payment.reference, key=forger))

    assert (forged.status_code, forged.content) == (400, b"fail")
    assert snapshot(order) == before
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.reason == "bad signature"
    genuine = post_notification(client, alipay.notification(payment.reference))
    assert genuine.content == b"success"
    assert latest_order().payment_status == "paid"


def test_a_notification_changed_after_signing_is_refused(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    genuine = alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, genuine.tampered(trade_no="2088999999999999"))

    assert response.status_code == 400
    assert snapshot(order) == before


def test_a_notification_for_a_different_amount_is_refused(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, total_amount="1.00"))

    assert response.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason == "amount 1.00 does not match 100.00"
    assert post_notification(client, alipay.notification(payment.reference)).content == b"success"
    assert latest_order().payment_status == "paid"


def test_a_notification_for_an_unknown_order_is_refused(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, out_trade_no="MP0000000-1"))

    assert response.status_code == 400
    assert snapshot(order) == before


def test_a_replayed_notify_id_with_other_content_is_refused(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    notification = alipay.pay(payment.reference)
    post_notification(client, notification)
    before = snapshot(order)

    replay = alipay.notification(
        payment.reference, notify_id=notification.fields["notify_id"], trade_status="TRADE_CLOSED"
    )
    response = post_notification(client, replay)

    assert response.status_code == 400
    assert snapshot(order) == before
    assert (
        PaymentEvent.objects.filter(verdict="rejected").get().reason == "replayed event id with other content"
    )


def test_a_stale_notification_is_refused_but_alipays_last_retry_is_not(client, alipay_placed, alipay):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    stale = post_notification(client, alipay.notification(payment.reference, sent_at=backdated(27)))
    assert stale.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason.startswith("stale")
    last_retry = post_notification(client, alipay.notification(payment.reference, sent_at=backdated(25)))

    assert last_retry.content == b"success"
    assert latest_order().payment_status == "paid"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"app_id": "2021000000009999"}, "for another app_id"),
        ({"seller_id": "2088000000009999"}, "for another seller_id"),
        ({"sign_type": "RSA"}, "unsigned or not RSA2"),
        ({"notify_time": "yesterday"}, "notify_time missing or malformed"),
        ({"total_amount": "1e2"}, "total_amount missing or malformed"),
        ({"notify_time": "2099-01-01 00:00:00"}, "sent in the future: 2099-01-01 00:00:00 (Beijing time)"),
    ],
)
def test_signed_notifications_that_are_not_for_us_are_refused(client, alipay_placed, alipay, change, reason):
    order, payment, _response = alipay_placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, **change))

    assert response.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason == reason


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/x-www-form-urlencoded"),
        ('{"trade_status": "TRADE_SUCCESS"}', "application/json"),
        ("sign=abc&sign_type=RSA2&sign=def", "application/x-www-form-urlencoded"),
        ("out_trade_no=X&trade_status=TRADE_SUCCESS", "application/x-www-form-urlencoded"),
        ("sign=%%%&sign_type=RSA2&app_id=1", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_notifications_get_a_4xx_not_an_error(client, alipay, body, content_type):
    response = client.post(NOTIFY_PATH, data=body, content_type=content_type)

    assert response.status_code == 400
    assert PaymentEvent.objects.get().verdict == PaymentEvent.Verdict.REJECTED


def test_notification_parse_reports_the_payment_and_an_added_field_breaks_the_signature(
    alipay, alipay_placed
):
    _order, payment, _response = alipay_placed
    notification = alipay.pay(payment.reference)
    request = RequestFactory().post(
        NOTIFY_PATH, data=notification.body, content_type=notification.content_type
    )

    [event] = AlipayProvider().notification_parse(request)

    assert (event.kind, event.reference, event.amount) == ("paid", payment.reference, Decimal("100.00"))
    with pytest.raises(NotificationRejected):
        AlipayProvider().notification_parse(
            RequestFactory().post(
                NOTIFY_PATH,
                data=notification.tampered(sign_type="RSA2", extra="1").body,
                content_type=notification.content_type,
            )
        )
