"""Card refunds through Stripe: from the admin and by the core, settled by webhook or by sync."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import order_cancel
from payments.models import Payment, Refund
from payments.providers.stripe import StripeProvider
from payments.services import payment_refund, payments_sync
from shop.models import AuditEvent
from tests.factories import StaffUserFactory
from tests.helpers import run_tasks, staff_login
from tests.payments.stripe.helpers import card_checkout, notify

pytestmark = pytest.mark.django_db


def _paid_card_order(client, stripe_gateway, variant, shipping) -> tuple[Order, Payment]:
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    assert notify(client, stripe_gateway.pay(payment.reference)).status_code == 200
    payment.refresh_from_db()
    return order, payment


def _admin_refund(client, payment: Payment, amount: str):
    return client.post(
        reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": amount, "reason": "Damaged"}
    )


@pytest.mark.django_db(transaction=True)
def test_payment_after_cancellation_is_refunded_automatically(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    order_cancel(order=order)

    answer = notify(client, stripe_gateway.pay(payment.reference))
    run_tasks()

    order.refresh_from_db()
    payment.refresh_from_db()
    assert answer.status_code == 200
    assert order.is_cancelled
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.surplus
    refund = payment.refunds.get()
    assert (refund.status, refund.amount) == (Refund.Status.SUCCEEDED, Decimal("100.00"))
    assert payment.amount_refunded == Decimal("100.00")
    [stripe_refund] = stripe_gateway.refunds.values()
    assert stripe_refund["amount"] == 10000
    assert stripe_refund["payment_intent"] == payment.gateway_reference
    assert stripe_refund["metadata"]["refund_reference"] == refund.reference


def test_partial_then_full_refund_from_the_admin(client, stripe_gateway, variant, shipping):
    order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    staff_login(client, StaffUserFactory())

    partial = _admin_refund(client, payment, "30.00")

    order.refresh_from_db()
    payment.refresh_from_db()
    assert partial.status_code == 302
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.amount_refunded == Decimal("30.00")
    first = payment.refunds.get()
    assert first.status == Refund.Status.SUCCEEDED
    stripe_first = stripe_gateway.refunds[first.gateway_reference]
    assert stripe_first["amount"] == 3000
    assert stripe_first["payment_intent"] == payment.gateway_reference
    assert stripe_first["metadata"]["refund_reference"] == first.reference

    rest = _admin_refund(client, payment, "70.00")

    order.refresh_from_db()
    payment.refresh_from_db()
    assert rest.status_code == 302
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    [(_, first_headers), (_, second_headers)] = stripe_gateway.api_calls("POST", "/v1/refunds")
    assert [first_headers["Idempotency-Key"], second_headers["Idempotency-Key"]] == [
        f"{payment.reference}-R1",
        f"{payment.reference}-R2",
    ]
    assert stripe_gateway.payment_intents[payment.gateway_reference]["amount_refunded"] == 10000


def test_refund_of_more_than_was_paid_is_refused_without_calling_stripe(
    client, stripe_gateway, variant, shipping
):
    _order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    staff_login(client, StaffUserFactory())

    response = _admin_refund(client, payment, "100.01")

    payment.refresh_from_db()
    assert response.status_code == 400
    assert payment.amount_refunded == Decimal("0.00")
    assert not payment.refunds.exists()
    assert stripe_gateway.api_calls("POST", "/v1/refunds") == []


def test_refund_stripe_refuses_is_recorded_as_failed(client, stripe_gateway, variant, shipping):
    order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    # Refunded on Stripe's dashboard meanwhile: Stripe has nothing left to refund.
    stripe_gateway.payment_intents[payment.gateway_reference]["amount_refunded"] = 10000

    refund = payment_refund(payment=payment, amount=Decimal("10.00"))

    order.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert "already been refunded" in refund.error
    assert order.payment_status == Order.PaymentStatus.PAID
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("0.00")


def test_pending_refund_is_completed_by_the_refund_webhook(client, stripe_gateway, variant, shipping):
    order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    stripe_gateway.refund_status = "pending"
    refund = payment_refund(payment=payment, amount=Decimal("100.00"))
    assert refund.status == Refund.Status.PENDING
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID

    answer = notify(client, stripe_gateway.refund_settle(refund.gateway_reference, succeeded=True))

    order.refresh_from_db()
    refund.refresh_from_db()
    assert answer.status_code == 200
    assert refund.status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("100.00")


def test_failed_refund_webhook_marks_the_refund_failed(client, stripe_gateway, variant, shipping):
    order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    stripe_gateway.refund_status = "pending"
    refund = payment_refund(payment=payment, amount=Decimal("40.00"))

    answer = notify(client, stripe_gateway.refund_settle(refund.gateway_reference, succeeded=False))

    order.refresh_from_db()
    refund.refresh_from_db()
    assert answer.status_code == 200
    assert refund.status == Refund.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.PAID
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("0.00")


def test_pending_refund_is_settled_by_sync_payments(client, stripe_gateway, variant, shipping):
    _order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    stripe_gateway.refund_status = "pending"
    refund = payment_refund(payment=payment, amount=Decimal("25.00"))
    stripe_gateway.refund_settle(refund.gateway_reference, succeeded=True)  # the webhook is lost

    counts = payments_sync(older_than=timedelta(0))

    refund.refresh_from_db()
    assert counts["refund_succeeded"] == 1
    assert refund.status == Refund.Status.SUCCEEDED
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("25.00")


def test_refund_created_webhook_after_an_immediate_refund_changes_nothing(
    client, stripe_gateway, variant, shipping
):
    _order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    refund = payment_refund(payment=payment, amount=Decimal("30.00"))
    created = next(event for event in stripe_gateway.events if event["type"] == "refund.created")

    answer = notify(client, stripe_gateway.notification(created))

    assert answer.status_code == 200
    assert refund.status == Refund.Status.SUCCEEDED
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("30.00")


def test_refund_made_outside_the_shop_is_acknowledged_and_ignored(client, stripe_gateway, variant, shipping):
    _order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    dashboard_refund = {
        "id": "re_dashboard",
        "object": "refund",
        "amount": 5000,
        "currency": "cny",
        "payment_intent": payment.gateway_reference,
        "metadata": {},
        "status": "succeeded",
    }

    answer = notify(
        client, stripe_gateway.notification(stripe_gateway.event("refund.updated", dashboard_refund))
    )

    assert answer.status_code == 200
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("0.00")


def test_refund_whose_answer_was_lost_is_found_by_query_not_sent_twice(
    client, stripe_gateway, variant, shipping
):
    _order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))
    lost_answer = Refund(payment=payment, reference=refund.reference, amount=refund.amount)

    outcome = StripeProvider().refund_query(payment=payment, refund=lost_answer)

    assert (outcome.status, outcome.gateway_reference) == ("succeeded", refund.gateway_reference)
    assert len(stripe_gateway.refunds) == 1


def test_a_refund_from_the_admin_is_in_the_audit_trail_with_who_and_where(
    client, stripe_gateway, variant, shipping
):
    order, payment = _paid_card_order(client, stripe_gateway, variant, shipping)
    staff = StaffUserFactory(email="refunds@example.com", is_superuser=True)
    staff_login(client, staff)

    client.post(
        reverse("admin:payments_payment_refund", args=[payment.pk]),
        {"amount": "10.00", "reason": "Damaged"},
        REMOTE_ADDR="198.51.100.44",
    )

    event = AuditEvent.objects.get(action=AuditEvent.Action.PAYMENT_REFUNDED)
    assert (event.actor_email, event.ip, event.target) == (
        "refunds@example.com",
        "198.51.100.44",
        f"payment {payment.reference}",
    )
    assert (event.detail["amount"], event.detail["order_id"]) == ("10.00", order.pk)
