"""Starting a card payment with Stripe Checkout: the session asked for, the way back to the shop, failures.

The real ``stripe`` library against the local stand-in (tests/payments/stripe/standin/),
through the shop's real URLs, with keys made for each test.
"""

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from orders.models import Order, OutboundEmail
from payments.models import Payment, PaymentEvent
from payments.providers.base import GatewayUrls
from payments.providers.stripe import StripeProvider
from tests.factories import OrderFactory
from tests.helpers import free_port, run_tasks
from tests.payments.stripe.helpers import card_checkout, notify, order_return_url, paid_emails
from tests.payments.stripe.standin import StripeStandin

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_card_payment_redirects_to_checkout_and_the_signed_webhook_marks_the_order_paid(
    client, stripe_gateway, variant, shipping
):
    order, payment, response = card_checkout(client, variant=variant, shipping=shipping)

    session = stripe_gateway.session_for(payment.reference)
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_gateway.base_url}/pay/{session['id']}"
    assert payment.gateway_reference == session["id"]
    assert payment.status == Payment.Status.PENDING
    assert (payment.amount, payment.currency) == (Decimal("100.00"), "CNY")
    assert order.payment_status == Order.PaymentStatus.UNPAID

    notification = stripe_gateway.pay(payment.reference)
    answer = notify(client, notification)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert answer.status_code == 200
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == stripe_gateway.session_for(payment.reference)["payment_intent"]
    accepted = PaymentEvent.objects.get(payment=payment, kind=PaymentEvent.Kind.NOTIFICATION)
    assert accepted.verdict == PaymentEvent.Verdict.ACCEPTED
    assert accepted.event_id == notification.event["id"]
    assert (accepted.amount, accepted.currency) == (Decimal("100.00"), "CNY")
    assert paid_emails(order) == ["ann@example.com"]
    run_tasks()
    assert ["ann@example.com"] in [message.to for message in mail.outbox]
    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"


def test_checkout_session_asks_for_the_exact_total_with_our_references(
    client, stripe_gateway, variant, shipping
):
    before = int(time.time())

    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    [(params, headers)] = stripe_gateway.api_calls("POST", "/v1/checkout/sessions")
    [item] = params["line_items"]
    assert headers["Idempotency-Key"] == payment.reference
    assert headers["Authorization"] == f"Bearer {stripe_gateway.secret_key}"
    assert params["mode"] == "payment"
    assert item["quantity"] == "1"
    assert item["price_data"]["currency"] == "cny"
    assert item["price_data"]["unit_amount"] == "10000"
    assert item["price_data"]["product_data"]["name"] == f"Order {order.number}"
    assert params["client_reference_id"] == payment.reference
    expected_metadata = {"payment_reference": payment.reference, "order_number": order.number}
    assert params["metadata"] == expected_metadata
    assert params["payment_intent_data"]["metadata"] == expected_metadata
    assert params["customer_email"] == "ann@example.com"
    assert params["success_url"] == f"http://127.0.0.1:8000{order_return_url(order)}"
    cancel = urlsplit(params["cancel_url"])
    assert cancel.path == order.get_absolute_url()
    assert parse_qs(cancel.query) == {"token": [order.access_token], "payment": ["cancelled"]}
    assert int(params["expires_at"]) >= before + 30 * 60
    assert params["locale"] == "en"
    assert payment.expires_at.timestamp() == int(params["expires_at"])


def test_chinese_shopper_gets_stripe_checkout_in_chinese(client, stripe_gateway, variant, shipping):
    client.cookies["django_language"] = "zh-hans"

    order, _payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    [(params, _)] = stripe_gateway.api_calls("POST", "/v1/checkout/sessions")
    assert order.language == "zh-hans"
    assert params["locale"] == "zh"
    assert params["line_items"][0]["price_data"]["product_data"]["name"] == f"订单 {order.number}"


def test_return_from_checkout_shows_waiting_and_never_marks_paid(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    stripe_gateway.pay(payment.reference)  # paid at Stripe, but the webhook has not arrived

    page = client.get(order_return_url(order))

    order.refresh_from_db()
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    assert "waiting for Card (Stripe) to confirm" in page.content.decode()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING


def test_notification_before_the_shopper_returns_shows_paid_on_return(
    client, stripe_gateway, variant, shipping
):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    assert notify(client, stripe_gateway.pay(payment.reference)).status_code == 200

    page = client.get(order_return_url(order))

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert b'http-equiv="refresh"' not in page.content
    assert "waiting for" not in page.content.decode()


def test_paying_the_open_session_again_reuses_it(client, stripe_gateway, variant, shipping):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)

    response = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response.status_code == 302
    assert response["Location"] == payment.redirect_url
    assert order.payments.count() == 1
    assert len(stripe_gateway.sessions) == 1


def test_checkout_create_is_idempotent_per_payment_reference(stripe_gateway):
    payment = Payment.objects.create(
        order=OrderFactory(payment_method="stripe"),
        reference="MPIDEMPOT-1",
        amount=Decimal("31.99"),
        currency="CNY",
        provider="stripe",
    )
    urls = GatewayUrls(return_url="https://shop.example/orders/X/?token=t&payment=returned", notify_url="")

    first = StripeProvider().checkout_create(payment=payment, urls=urls, client_ip="")
    time.sleep(1.1)  # the request is the same a second later (expiry counted from the payment)
    second = StripeProvider().checkout_create(payment=payment, urls=urls, client_ip="")

    assert first.gateway_reference == second.gateway_reference
    assert len(stripe_gateway.sessions) == 1
    [(first_params, _), (second_params, _)] = stripe_gateway.api_calls("POST", "/v1/checkout/sessions")
    assert first_params == second_params


def test_cancel_on_the_payment_page_returns_unpaid_and_offers_to_pay(
    client, stripe_gateway, variant, shipping
):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    cancel_url = stripe_gateway.session_for(payment.reference)["cancel_url"]

    page = client.get(cancel_url.removeprefix("http://127.0.0.1:8000"))

    order.refresh_from_db()
    assert page.status_code == 200
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert b'http-equiv="refresh"' not in page.content
    assert "Pay with Card (Stripe)" in page.content.decode()


def test_unreachable_stripe_leaves_the_order_unpaid_with_a_message(client, settings, variant, shipping):
    with StripeStandin() as standin:
        standin.use_in(settings)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"

    order, payment, response = card_checkout(client, variant=variant, shipping=shipping)

    order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == order.get_access_url()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    error = PaymentEvent.objects.get(payment=payment)
    assert error.verdict == PaymentEvent.Verdict.ERROR
    assert "APIConnectionError" in error.reason
    page = client.get(response["Location"])
    assert "cannot be reached right now" in page.content.decode()


def test_wrong_secret_key_is_refused_by_stripe_and_nothing_is_charged(
    client, stripe_gateway, settings, variant, shipping
):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"

    order, payment, response = card_checkout(client, variant=variant, shipping=shipping)

    assert response["Location"] == order.get_access_url()
    assert payment.status == Payment.Status.FAILED
    assert stripe_gateway.sessions == {}
    assert "AuthenticationError" in PaymentEvent.objects.get(payment=payment).reason
