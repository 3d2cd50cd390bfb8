"""When the shop offers card payments through Stripe, and what the checkout page lets the form reach."""

import pytest
from django.urls import reverse

from orders.models import Order
from tests.payments.helpers import online_checkout

pytestmark = pytest.mark.django_db


def test_card_is_not_offered_without_configuration(client, settings, variant, shipping):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = online_checkout(client, variant=variant, shipping=shipping, method="stripe")

    assert response.status_code == 400
    assert "Card (Stripe)" not in response.content.decode()
    assert not Order.objects.exists()


def test_card_is_offered_when_configured(client, stripe_gateway, variant):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    page = client.get(reverse("orders:checkout"))

    assert "Card (Stripe)" in page.content.decode()


def test_checkout_csp_lets_the_form_lead_to_stripe_checkout(client, stripe_gateway, variant, shipping):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    page = client.get(reverse("orders:checkout"))

    form_action = next(
        part for part in page["Content-Security-Policy"].split(";") if part.strip().startswith("form-action")
    )
    assert stripe_gateway.base_url in form_action
