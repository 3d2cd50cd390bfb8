"""Stripe webhooks the shop must refuse (forged, altered, replayed, mismatched) and that change nothing."""

import time
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from orders.models import Order, OrderEvent
from payments.models import Payment, PaymentEvent
from payments.providers.base import NotificationRejected
from payments.providers.stripe import StripeProvider
from tests.payments.stripe.helpers import card_checkout, notify, paid_emails
from tests.payments.stripe.standin import Notification

pytestmark = pytest.mark.django_db


def _refused(answer, order: Order, payment: Payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert answer.status_code == 400
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.status == Payment.Status.PENDING
    assert paid_emails(order) == []
    assert not OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).exists()


def test_forged_signature_is_refused_and_the_genuine_one_accepted(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)
    forged = stripe_gateway.notification(genuine.event, secret="whsec_not_the_shops_secret")

    answer = notify(client, forged)

    _refused(answer, order, payment)
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.reason.startswith("bad Stripe signature")
    assert rejected.payment is None
    assert notify(client, genuine).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_body_changed_after_signing_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    expired = stripe_gateway.expire(payment.reference)
    # Someone turns Stripe's "expired" into "paid", keeping the signature.
    forged_body = (
        expired.body.replace(b'"checkout.session.expired"', b'"checkout.session.completed"')
        .replace(b'"payment_status": "unpaid"', b'"payment_status": "paid"')
        .replace(b'"status": "expired"', b'"status": "complete"')
    )
    assert forged_body.count(b'"paid"') == 1

    _refused(notify(client, Notification(body=forged_body, headers=expired.headers)), order, payment)


def test_notification_without_signature_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)

    answer = client.post(
        reverse("payments:notify", kwargs={"provider": "stripe"}),
        data=genuine.body,
        content_type="application/json",
    )

    _refused(answer, order, payment)


def test_amount_mismatch_is_refused_and_the_true_amount_accepted(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)
    cheaper = {**stripe_gateway.session_snapshot(payment.reference), "amount_total": 100}
    mismatch = stripe_gateway.notification(stripe_gateway.event("checkout.session.completed", cheaper))

    answer = notify(client, mismatch)

    _refused(answer, order, payment)
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.amount == Decimal("1.00")
    assert "does not match" in rejected.reason
    assert notify(client, genuine).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_currency_mismatch_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    stripe_gateway.pay(payment.reference)
    in_dollars = {**stripe_gateway.session_snapshot(payment.reference), "currency": "usd"}

    answer = notify(
        client, stripe_gateway.notification(stripe_gateway.event("checkout.session.completed", in_dollars))
    )

    _refused(answer, order, payment)


def test_unknown_payment_reference_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    stripe_gateway.pay(payment.reference)
    stranger = {**stripe_gateway.session_snapshot(payment.reference), "client_reference_id": "MPNOSUCH99-1"}

    answer = notify(
        client, stripe_gateway.notification(stripe_gateway.event("checkout.session.completed", stranger))
    )

    _refused(answer, order, payment)
    assert (
        PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason == "unknown payment reference"
    )


def test_replayed_old_notification_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)
    captured_ten_minutes_ago = stripe_gateway.notification(genuine.event, timestamp=int(time.time()) - 600)

    answer = notify(client, captured_ten_minutes_ago)

    _refused(answer, order, payment)
    assert "tolerance" in PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason


def test_signature_dated_in_the_future_is_refused(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)

    answer = notify(client, stripe_gateway.notification(genuine.event, timestamp=int(time.time()) + 3600))

    _refused(answer, order, payment)


def test_live_mode_event_is_refused_with_test_keys(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    genuine = stripe_gateway.pay(payment.reference)

    answer = notify(client, stripe_gateway.notification({**genuine.event, "livemode": True}))

    _refused(answer, order, payment)


def test_notifications_are_refused_when_stripe_is_not_configured(
    client, stripe_gateway, settings, variant, shipping
):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notification = stripe_gateway.pay(payment.reference)
    settings.STRIPE_WEBHOOK_SECRET = ""

    _refused(notify(client, notification), order, payment)


def test_malformed_event_with_a_valid_signature_is_rejected(stripe_gateway, settings):
    body = b'{"id": "evt_1", "type": "checkout.session.completed", "livemode": false, "data": {}}'
    request = RequestFactory().post(
        "/payments/notify/stripe/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_gateway.sign(body)},
    )

    with pytest.raises(NotificationRejected, match="malformed"):
        StripeProvider().notification_parse(request)
