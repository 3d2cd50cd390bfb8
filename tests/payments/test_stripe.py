"""Card payments through Stripe Checkout: the real ``stripe`` library against a local stand-in.

Every scenario goes through the shop's real URLs (checkout, the order page, the
webhook endpoint, the admin refund) and the core's services; the stand-in plays
Stripe (API, payment page, signed webhooks) with keys made for each test.
"""

import json
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import EventKind, GatewayError, GatewayUrls, NotificationRejected
from payments.providers.stripe import StripeProvider, amount_from_minor, amount_to_minor
from payments.services import payment_refund, payments_sync
from tests.factories import OrderFactory, StaffUserFactory
from tests.helpers import free_port, run_tasks, staff_login
from tests.payments.helpers import latest_order, online_checkout
from tests.payments.stripe_standin import Notification, StripeStandin

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_gateway(settings):
    """The Stripe stand-in, running, with the shop configured to use it."""
    with StripeStandin() as standin:
        standin.use_in(settings)
        yield standin


def notify(client, notification: Notification):
    """Deliver a webhook to the shop as Stripe does (raw JSON body, Stripe-Signature header)."""
    return client.post(
        reverse("payments:notify", kwargs={"provider": "stripe"}),
        data=notification.body,
        content_type="application/json",
        headers={"Stripe-Signature": notification.signature},
    )


def card_checkout(client, *, variant, shipping, **overrides) -> tuple[Order, Payment, object]:
    """A guest places an order paying by card; returns the order, its payment and the checkout response."""
    response = online_checkout(client, variant=variant, shipping=shipping, method="stripe", **overrides)
    order = latest_order()
    return order, order.payments.get(), response


def paid_emails(order: Order) -> list[str]:
    return list(
        OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).values_list(
            "to_email", flat=True
        )
    )


def order_return_url(order: Order) -> str:
    return f"{order.get_access_url()}&payment=returned"


# The successful payment, end to end.


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


# Failed and abandoned payments.


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


# Notifications that must change nothing.


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


def test_notifications_are_refused_when_stripe_is_not_configured(
    client, stripe_gateway, settings, variant, shipping
):
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    notification = stripe_gateway.pay(payment.reference)
    settings.STRIPE_WEBHOOK_SECRET = ""

    _refused(notify(client, notification), order, payment)


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


# Lost notifications and sync_payments.


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


# Refunds.


def _paid_card_order(client, stripe_gateway, variant, shipping) -> tuple[Order, Payment]:
    order, payment, _ = card_checkout(client, variant=variant, shipping=shipping)
    assert notify(client, stripe_gateway.pay(payment.reference)).status_code == 200
    payment.refresh_from_db()
    return order, payment


def _admin_refund(client, payment: Payment, amount: str):
    return client.post(
        reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": amount, "reason": "Damaged"}
    )


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


# Configuration and amounts.


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
