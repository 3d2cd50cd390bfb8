"""Helpers for the Stripe tests: a card checkout, webhooks delivered as Stripe sends them, what followed."""

from django.http import HttpResponse
from django.urls import reverse

from orders.models import Order, OutboundEmail
from payments.models import Payment
from tests.payments.helpers import online_order
from tests.payments.stripe.standin import Notification


def notify(client, notification: Notification):
    """Deliver a webhook to the shop as Stripe does (raw JSON body, Stripe-Signature header)."""
    return client.post(
        reverse("payments:notify", kwargs={"provider": "stripe"}),
        data=notification.body,
        content_type="application/json",
        headers={"Stripe-Signature": notification.signature},
    )


def card_checkout(client, *, variant, shipping, **overrides) -> tuple[Order, Payment, HttpResponse]:
    """A guest places an order paying by card; returns the order, its payment and the checkout response."""
    return online_order(client, variant=variant, shipping=shipping, method="stripe", **overrides)


def paid_emails(order: Order) -> list[str]:
    """The addresses the order's "payment received" emails were queued for."""
    return list(
        OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).values_list(
            "to_email", flat=True
        )
    )


def order_return_url(order: Order) -> str:
    """Where Stripe Checkout sends the shopper back after paying."""
    return f"{order.get_access_url()}&payment=returned"
