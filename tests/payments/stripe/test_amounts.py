"""Amounts in Stripe's minor units: exact both ways, zero-decimal currencies, and what cannot be charged."""

from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import Payment, PaymentEvent
from payments.providers.base import GatewayError
from payments.providers.stripe import amount_from_minor, amount_to_minor
from tests.payments.stripe.helpers import card_checkout, notify

pytestmark = pytest.mark.django_db


def test_zero_decimal_currency_is_sent_in_whole_units(client, stripe_gateway, settings, variant, shipping):
    settings.SHOP_CURRENCY = "JPY"

    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    answer = notify(client, stripe_gateway.pay(payment.reference))

    [(params, _)] = stripe_gateway.api_calls("POST", "/v1/checkout/sessions")
    order.refresh_from_db()
    assert params["line_items"][0]["price_data"] == {
        "currency": "jpy",
        "unit_amount": "100",
        "product_data": {"name": f"Order {order.number}"},
    }
    assert answer.status_code == 200
    assert order.payment_status == Order.PaymentStatus.PAID
    assert PaymentEvent.objects.get(verdict="accepted", kind="notification").amount == Decimal("100.00")


def test_yen_amount_with_sen_is_not_charged(client, stripe_gateway, settings, variant, shipping):
    settings.SHOP_CURRENCY = "JPY"
    variant.price = Decimal("88.50")
    variant.save()

    order, payment, response = card_checkout(client, variant=variant, shipping=shipping)

    assert response["Location"] == order.get_access_url()
    assert payment.status == Payment.Status.FAILED
    assert stripe_gateway.sessions == {}


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("31.99"), "CNY", 3199),
        (Decimal("0.01"), "USD", 1),
        (Decimal("1234567.80"), "EUR", 123456780),
        (Decimal("1000.00"), "JPY", 1000),
        (Decimal("50000.00"), "krw", 50000),
    ],
)
def test_amounts_convert_to_and_from_stripe_minor_units_exactly(amount, currency, minor):
    assert amount_to_minor(amount, currency) == minor
    assert amount_from_minor(minor, currency) == amount
    assert str(amount_from_minor(minor, currency)) == str(amount)


@pytest.mark.parametrize(("amount", "currency"), [(Decimal("1000.50"), "JPY"), (Decimal("1.005"), "USD")])
def test_amounts_stripe_cannot_express_are_refused(amount, currency):
    with pytest.raises(GatewayError):
        amount_to_minor(amount, currency)


@pytest.mark.parametrize("minor", [1.5, "100", True, None])
def test_minor_amounts_that_are_not_integers_are_refused(minor):
    with pytest.raises(ValueError):
        amount_from_minor(minor, "CNY")
