"""Stripe's webhooks about a payment: what each event does to the order, and each applied once."""

import json
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from orders.models import Order, OrderEvent
from payments.models import Payment, PaymentEvent
from payments.providers.base import EventKind
from payments.providers.stripe import StripeProvider
from tests.payments.stripe.helpers import card_checkout, notify, paid_emails

pytestmark = pytest.mark.django_db


def test_expired_checkout_session_fails_the_payment_and_a_new_attempt_can_start(
    client, stripe_gateway, variant, shipping
):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    answer = notify(client, stripe_gateway.expire(payment.reference))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert answer.status_code == 200
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert paid_emails(order) == []
    again = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")
    retry = order.payments.get(reference=f"{order.number}-2")
    assert again["Location"] == retry.redirect_url
    assert retry.gateway_reference != payment.gateway_reference


def test_delayed_payment_is_pending_until_it_succeeds(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    completed_unpaid = notify(client, stripe_gateway.pay_later(payment.reference))
    order.refresh_from_db()
    assert completed_unpaid.status_code == 200
    assert order.payment_status == Order.PaymentStatus.UNPAID

    succeeded = notify(client, stripe_gateway.settle_later(payment.reference, succeeded=True))

    order.refresh_from_db()
    assert succeeded.status_code == 200
    assert order.payment_status == Order.PaymentStatus.PAID
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED


def test_delayed_payment_that_fails_fails_the_payment(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notify(client, stripe_gateway.pay_later(payment.reference))

    answer = notify(client, stripe_gateway.settle_later(payment.reference, succeeded=False))

    order.refresh_from_db()
    assert answer.status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_same_event_id_with_other_content_is_refused(client, stripe_gateway, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    paid = stripe_gateway.pay(payment.reference)
    assert notify(client, paid).status_code == 200
    expired = {**stripe_gateway.session_snapshot(payment.reference), "status": "expired"}
    replay = stripe_gateway.notification(
        {**paid.event, "type": "checkout.session.expired", "data": {"object": expired}}
    )

    answer = notify(client, replay)

    payment.refresh_from_db()
    assert answer.status_code == 400
    assert payment.status == Payment.Status.SUCCEEDED
    assert PaymentEvent.objects.filter(verdict=PaymentEvent.Verdict.REJECTED).count() == 1


def test_duplicate_delivery_is_acknowledged_and_applied_once(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notification = stripe_gateway.pay(payment.reference)
    # Stripe retries with the same body and a fresh signature.
    retry = stripe_gateway.notification(notification.event)

    first, second = notify(client, notification), notify(client, retry)

    order.refresh_from_db()
    assert (first.status_code, second.status_code) == (200, 200)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert paid_emails(order) == ["ann@example.com"]
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    verdicts = list(
        PaymentEvent.objects.filter(kind="notification").order_by("id").values_list("verdict", flat=True)
    )
    assert verdicts == [PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE]


def test_events_we_do_not_track_are_acknowledged_and_change_nothing(
    client, stripe_gateway, variant, shipping
):
    order, _payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    customer = stripe_gateway.event("customer.created", {"id": "cus_1", "object": "customer"})

    answer = notify(client, stripe_gateway.notification(customer))

    order.refresh_from_db()
    assert answer.status_code == 200
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert not PaymentEvent.objects.filter(verdict=PaymentEvent.Verdict.REJECTED).exists()


def test_stored_payloads_hold_no_secrets_or_personal_data(client, stripe_gateway, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notification = stripe_gateway.pay(payment.reference)
    notify(client, notification)
    notify(client, stripe_gateway.notification(notification.event, secret="whsec_forged"))

    stored = json.dumps(list(PaymentEvent.objects.values_list("payload", flat=True)))

    assert PaymentEvent.objects.count() == 3
    for secret in (
        stripe_gateway.webhook_secret,
        stripe_gateway.secret_key,
        notification.signature,
        "ann@example.com",
    ):
        assert secret not in stored
    assert payment.reference in stored


def test_paid_event_maps_the_payment_intent_and_the_amount(stripe_gateway, client, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notification = stripe_gateway.pay(payment.reference)
    request = RequestFactory().post(
        "/payments/notify/stripe/",
        data=notification.body,
        content_type="application/json",
        headers={"Stripe-Signature": notification.signature},
    )

    [event] = StripeProvider().notification_parse(request)

    assert event.kind == EventKind.PAID
    assert event.reference == payment.reference
    assert event.event_id == notification.event["id"]
    assert (event.amount, event.currency) == (Decimal("100.00"), "CNY")
    assert event.gateway_reference == stripe_gateway.session_for(payment.reference)["payment_intent"]
