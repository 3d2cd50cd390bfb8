"""A guest pays by card in a real browser: Stripe Checkout played by the local stand-in."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import Order, OutboundEmail
from payments.models import Payment, PaymentEvent
from tests.e2e.helpers import checkout_as_guest
from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory
from tests.helpers import run_tasks
from tests.payments.stripe.standin import StripeStandin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_gateway(settings, live_server):
    """Stripe's stand-in, sending its webhooks to the live server as the dashboard endpoint would."""
    settings.SITE_URL = live_server.url
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    with StripeStandin() as standin:
        standin.use_in(settings)
        standin.notify_url = f"{live_server.url}/payments/notify/stripe/"
        yield standin


def test_a_guest_pays_by_card_on_stripe_checkout_and_the_webhook_marks_the_order_paid(page, stripe_gateway):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well")
    VariantFactory(product=product, sku="TEA-DW-100", price=Decimal("68.00"), stock=10)
    # The webhook reaches the shop a moment after the shopper is back, as it often does.
    stripe_gateway.notification_delay = 2.0

    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    page.get_by_role("button", name="Check out").click()
    checkout_as_guest(page, payment_method="Card (Stripe)")

    # Stripe's hosted page (the stand-in) asks for the exact total.
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_gateway.base_url)}/pay/cs_test_\w+$"))
    order = Order.objects.get()
    expect(page.locator("#amount")).to_have_text("CNY 80.00")
    expect(page.locator("#item")).to_have_text(f"Order {order.number}")
    assert order.payment_status == Order.PaymentStatus.UNPAID
    page.get_by_role("button", name="Pay").click()

    # Back on the order page: waiting for the webhook, the page refreshes itself until it came.
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/\?token=.+&payment=returned$"))
    expect(page.get_by_role("status")).to_contain_text("waiting for Card (Stripe) to confirm your payment")
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment", timeout=20_000)
    expect(page.get_by_role("status")).to_have_count(0)

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert stripe_gateway.deliveries == [(stripe_gateway.events[-1]["id"], 200)]
    assert PaymentEvent.objects.get(kind="notification").verdict == PaymentEvent.Verdict.ACCEPTED
    paid_email = OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID)
    assert paid_email.to_email == "lena@example.com"
    run_tasks()
    paid_email.refresh_from_db()
    assert paid_email.status == OutboundEmail.Status.SENT
    assert [message.to for message in mail.outbox if message.subject == paid_email.subject] == [
        ["lena@example.com"]
    ]
