"""The notification endpoint's rules for every gateway: applied once when verified, otherwise refused
and recorded, garbage included.
"""

import time

import pytest
from django.urls import reverse

from orders.models import Order, OutboundEmail
from payments.models import Payment, PaymentEvent
from tests.payments.core.fake_gateway import NOTIFY_URL, notification
from tests.payments.helpers import paid_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]


def test_verified_notification_marks_the_order_paid_and_sends_the_email(client, fakepay_placed):
    order, payment, _response = fakepay_placed

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    assert (response.status_code, response.content) == (200, b"OK")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at is not None
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    assert payment.events.filter(verdict=PaymentEvent.Verdict.ACCEPTED, kind="notification").count() == 1


def test_duplicate_delivery_is_acknowledged_and_applied_once(client, fakepay_placed):
    order, payment, _response = fakepay_placed
    message = notification(reference=payment.reference, amount="100.00", event_id="evt-1")

    first = client.post(NOTIFY_URL, **message)
    second = client.post(NOTIFY_URL, **message)

    assert (first.status_code, second.status_code) == (200, 200)
    assert paid_events(order) == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    verdicts = list(payment.events.filter(kind="notification").values_list("verdict", flat=True))
    assert verdicts == [PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"signature": "0" * 64}, "bad signature"),
        ({"timestamp": int(time.time()) - 3600}, "stale notification"),
    ],
    ids=["forged", "replayed-old"],
)
def test_forged_or_stale_notification_is_refused_and_changes_nothing(
    client, fakepay_placed, overrides, reason
):
    order, payment, _response = fakepay_placed

    response = client.post(
        NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", **overrides)
    )

    assert response.status_code == 400
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.status == Payment.Status.PENDING
    refused = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert refused.reason == reason and refused.payment is None
    assert set(refused.payload) == {"content_type", "size", "sha256"}  # untrusted body not kept
    # The same facts, genuinely signed and fresh, are accepted: the refusal was the signature's doing.
    assert (
        client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00")).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"amount": "1.00"}, "amount 1.00 does not match 100.00"),
        ({"amount": "100.00", "currency": "USD"}, "currency USD does not match CNY"),
        ({"amount": "100.00", "reference": "MPNOSUCH-1"}, "unknown payment reference"),
    ],
    ids=["amount", "currency", "unknown-order"],
)
def test_mismatched_notification_is_refused_and_changes_nothing(client, fakepay_placed, fields, reason):
    order, payment, _response = fakepay_placed

    response = client.post(NOTIFY_URL, **notification(**{"reference": payment.reference, **fields}))

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert paid_events(order) == 0
    assert PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason == reason


def test_replayed_event_id_with_other_content_is_refused(client, fakepay_placed):
    _order, payment, _response = fakepay_placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", event_id="evt-9"))

    replay = client.post(
        NOTIFY_URL,
        **notification(reference=payment.reference, amount="100.00", kind="failed", event_id="evt-9"),
    )

    assert replay.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.events.filter(reason="replayed event id with other content").count() == 1


def test_failed_notification_marks_the_attempt_failed_and_the_order_can_be_paid_again(client, fakepay_placed):
    order, payment, _response = fakepay_placed

    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", kind="failed"))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    html = client.get(order.get_access_url()).content.decode()
    assert "Pay with FakePay" in html
    again = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")
    assert again["Location"].endswith(f"{order.number}-2")


@pytest.mark.parametrize("provider", ["fakepay", "stripe", "alipay", "wechat"])
@pytest.mark.parametrize(
    "body",
    [
        {"data": {"foo": "bar"}},  # multipart form
        {"data": b"a%00b=1&a%00b=2", "content_type": "application/x-www-form-urlencoded"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"},
        {"data": b"", "content_type": "text/plain"},
    ],
    ids=["multipart", "nul-field", "binary", "empty"],
)
def test_garbage_at_every_notification_url_is_refused_and_recorded(client, settings, provider, body):
    settings.PAYMENT_GATEWAYS = [
        "tests.payments.core.fake_gateway.FakeGateway",
        "payments.providers.stripe.StripeProvider",
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]

    response = client.post(f"/payments/notify/{provider}/", **body)

    assert 400 <= response.status_code < 500
    assert PaymentEvent.objects.get().verdict == PaymentEvent.Verdict.REJECTED


def test_unknown_gateway_notification_url_is_a_404(client):
    assert (
        client.post("/payments/notify/paypal/", data=b"{}", content_type="application/json").status_code
        == 404
    )


def test_a_flood_of_forged_notifications_stores_only_the_hourly_cap_per_source(
    client, settings, fakepay_placed
):
    settings.PAYMENT_REFUSED_STORED_PER_HOUR_PER_IP = 3
    settings.PAYMENT_REFUSED_STORED_PER_HOUR = 5
    _order, payment, _response = fakepay_placed
    forged = notification(reference=payment.reference, amount="100.00", signature="forged")

    flood = [client.post(NOTIFY_URL, **forged).status_code for _ in range(6)]
    elsewhere = [client.post(NOTIFY_URL, REMOTE_ADDR="203.0.113.9", **forged).status_code for _ in range(4)]

    assert flood == [400] * 6 and elsewhere == [400] * 4
    assert PaymentEvent.objects.filter(verdict=PaymentEvent.Verdict.REJECTED).count() == 5
    assert (
        client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00")).status_code
        == 200
    )
