"""Asking Stripe instead of waiting for it: the provider's queries and ``sync_payments`` for lost webhooks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from orders.models import Order
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import EventKind, GatewayError
from payments.providers.stripe import StripeProvider
from payments.services import payments_sync
from tests.payments.stripe.helpers import card_checkout, notify, order_return_url, paid_emails

pytestmark = pytest.mark.django_db


def test_query_and_refund_find_the_session_by_id_or_by_payment_intent(
    client, stripe_gateway, variant, shipping
):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    stripe_gateway.pay(payment.reference)
    session = stripe_gateway.session_for(payment.reference)
    by_intent = Payment(
        order=payment.order,
        reference=payment.reference,
        amount=payment.amount,
        currency="CNY",
        gateway_reference=session["payment_intent"],
    )

    paid_by_session = StripeProvider().payment_query(payment=payment)
    paid_by_intent = StripeProvider().payment_query(payment=by_intent)
    refund = Refund(payment=payment, reference=f"{payment.reference}-R1", amount=Decimal("10.00"))
    outcome = StripeProvider().refund_create(payment=payment, refund=refund)

    assert payment.gateway_reference == session["id"]
    assert paid_by_session.kind == paid_by_intent.kind == EventKind.PAID
    assert paid_by_session.gateway_reference == paid_by_intent.gateway_reference == session["payment_intent"]
    assert paid_by_session.amount == Decimal("100.00")
    assert stripe_gateway.refunds[outcome.gateway_reference]["payment_intent"] == session["payment_intent"]


def test_query_of_a_session_for_another_payment_is_an_error(client, stripe_gateway, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    other = Payment(order=payment.order, reference="MPOTHER-1", gateway_reference=payment.gateway_reference)

    with pytest.raises(GatewayError, match="not for payment"):
        StripeProvider().payment_query(payment=other)


def test_query_of_an_unknown_session_is_a_gateway_error(client, stripe_gateway, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    payment.gateway_reference = "cs_test_nosuchsession"

    with pytest.raises(GatewayError, match=r"No such checkout\.session"):
        StripeProvider().payment_query(payment=payment)


def test_lost_notification_is_recovered_by_sync_payments(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    lost = stripe_gateway.pay(payment.reference)
    client.get(order_return_url(order))

    call_command("sync_payments", "--older-than-minutes", "0")

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    query = PaymentEvent.objects.get(payment=payment, kind=PaymentEvent.Kind.QUERY)
    assert (query.verdict, query.amount) == (PaymentEvent.Verdict.ACCEPTED, Decimal("100.00"))
    assert paid_emails(order) == ["ann@example.com"]
    # The webhook turns up after all: acknowledged, applied once.
    assert notify(client, lost).status_code == 200
    assert paid_emails(order) == ["ann@example.com"]


def test_sync_leaves_an_open_session_pending(stripe_gateway, client, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["checked"] == 1
    assert counts["paid"] == counts["failed"] == 0
    assert payment.status == Payment.Status.PENDING


def test_sync_fails_an_expired_session(stripe_gateway, client, variant, shipping):
    _order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    stripe_gateway.expire(payment.reference)  # the webhook is lost

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["failed"] == 1
    assert payment.status == Payment.Status.FAILED


def test_sync_closes_the_session_of_a_cancelled_order(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    order_cancel(order=order)

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["closed"] == 1
    assert payment.status == Payment.Status.CANCELLED
    assert stripe_gateway.session_for(payment.reference)["status"] == "expired"
    [(_, headers)] = stripe_gateway.api_calls(
        "POST", f"/v1/checkout/sessions/{payment.gateway_reference}/expire"
    )
    assert headers["Authorization"] == f"Bearer {stripe_gateway.secret_key}"
