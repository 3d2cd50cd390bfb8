"""The rules every gateway shares, through a gateway that lives in the test (tests/payments/fake_gateway.py).

Each real gateway (Stripe, Alipay, WeChat Pay) has its own tests against a
stand-in server; these pin the core: what is applied, what is refused, what
happens to money that arrives late, refunds and the sync job.
"""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from catalog.models import Variant
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel, order_mark_paid, order_refund
from payments.models import Payment, PaymentEvent, Refund
from payments.selectors import gateway_get
from payments.services import RefundNotAllowed, payment_refund, payments_sync
from tests.factories import StaffUserFactory
from tests.helpers import run_tasks, staff_login
from tests.payments.fake_gateway import BANK, PAGE_ORIGIN, notification
from tests.payments.helpers import latest_order, online_checkout

pytestmark = pytest.mark.django_db

NOTIFY_URL = "/payments/notify/fakepay/"


@pytest.fixture(autouse=True)
def fake_gateway(settings):
    settings.PAYMENT_GATEWAYS = ["tests.payments.fake_gateway.FakeGateway"]
    BANK.reset()
    yield
    BANK.reset()


@pytest.fixture
def placed(client, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with FakePay, its payment started."""
    response = online_checkout(client, variant=variant, shipping=shipping, method="fakepay")
    order = latest_order()
    return order, order.payments.get(), response


def paid_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count()


# Starting a payment


def test_checkout_with_an_online_method_goes_straight_to_the_gateway_page(placed, settings):
    order, payment, response = placed

    assert response.status_code == 302
    assert response["Location"] == f"{PAGE_ORIGIN}/pay/{order.number}-1"
    assert payment.status == Payment.Status.PENDING
    assert (payment.amount, payment.currency, payment.channel) == (Decimal("100.00"), "CNY", "page")
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert Variant.objects.get().stock == 9  # held like any unpaid order
    event = payment.events.get(kind=PaymentEvent.Kind.CHECKOUT)
    assert event.payload["notify_url"] == f"{settings.PAYMENT_NOTIFY_BASE_URL}/payments/notify/fakepay/"
    assert event.payload["return_url"] == f"{settings.SITE_URL}{order.get_access_url()}&payment=returned"
    assert "sign" not in event.payload  # secrets never stored


def test_pay_button_reuses_the_open_attempt_instead_of_starting_a_second(client, placed):
    order, payment, _response = placed

    response = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response["Location"] == payment.redirect_url
    assert order.payments.count() == 1
    assert BANK.calls == ["checkout"]


def test_gateway_down_at_checkout_keeps_the_order_and_offers_to_pay_again(client, variant, shipping):
    BANK.down = True

    response = online_checkout(client, variant=variant, shipping=shipping, method="fakepay")

    order = latest_order()
    assert response["Location"] == order.get_access_url()
    page = client.get(response["Location"]).content.decode()
    assert "FakePay cannot be reached right now" in page
    assert "Pay with FakePay" in page
    assert order.payments.get().status == Payment.Status.FAILED
    BANK.down = False
    retry = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")
    assert retry["Location"] == f"{PAGE_ORIGIN}/pay/{order.number}-2"


def test_pay_for_someone_elses_order_is_a_404(client, placed):
    order, _payment, _response = placed
    client.cookies.clear()

    response = client.post(reverse("payments:pay", args=[order.number]))

    assert response.status_code == 404


def test_qr_channel_shows_a_qr_code_page_that_refreshes_until_paid(client, placed):
    order, _first, _response = placed
    pay_url = f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}"

    response = client.post(pay_url, {"channel": "qr"})
    page = client.get(response["Location"])

    payment = order.payments.get(channel="qr")
    assert response["Location"].startswith(reverse("payments:qr", args=[order.number, payment.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'http-equiv="refresh"' in html
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    assert client.get(response["Location"])["Location"] == order.get_access_url()


def test_checkout_and_order_pages_allow_forms_to_reach_the_gateway(client, placed):
    order, _payment, _response = placed

    response = client.get(order.get_access_url())

    policy = response["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if "form-action" in part)
    assert PAGE_ORIGIN in form_action and "'self'" in form_action


# Notifications


def test_verified_notification_marks_the_order_paid_and_sends_the_email(client, placed):
    order, payment, _response = placed

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    assert (response.status_code, response.content) == (200, b"OK")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at is not None
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    assert payment.events.filter(verdict=PaymentEvent.Verdict.ACCEPTED, kind="notification").count() == 1


def test_returning_shopper_sees_waiting_and_is_never_marked_paid_by_the_browser(client, placed):
    order, _payment, _response = placed

    page = client.get(f"{order.get_access_url()}&payment=returned&status=paid&trade_status=TRADE_SUCCESS")

    html = page.content.decode()
    assert "We are waiting for FakePay to confirm your payment" in html
    assert 'http-equiv="refresh"' in html
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_notification_before_the_shopper_returns_shows_paid_on_return(client, placed):
    order, payment, _response = placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for FakePay" not in html
    assert "Awaiting shipment" in html


def test_duplicate_delivery_is_acknowledged_and_applied_once(client, placed):
    order, payment, _response = placed
    message = notification(reference=payment.reference, amount="100.00", event_id="evt-1")

    first = client.post(NOTIFY_URL, **message)
    second = client.post(NOTIFY_URL, **message)

    assert (first.status_code, second.status_code) == (200, 200)
    assert paid_events(order) == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    verdicts = list(payment.events.filter(kind="notification").values_list("verdict", flat=True))
    assert verdicts == [PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"signature": "0" * 64}, "bad signature"),
        ({"timestamp": int(time.time()) - 3600}, "stale notification"),
    ],
    ids=["forged", "replayed-old"],
)
def test_forged_or_stale_notification_is_refused_and_changes_nothing(client, placed, overrides, reason):
    order, payment, _response = placed

    response = client.post(
        NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", **overrides)
    )

    assert response.status_code == 400
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.status == Payment.Status.PENDING
    refused = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert refused.reason == reason and refused.payment is None
    assert set(refused.payload) == {"content_type", "size", "sha256"}  # untrusted body not kept
    # The same facts, genuinely signed and fresh, are accepted: the refusal was the signature's doing.
    assert (
        client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00")).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"amount": "1.00"}, "amount 1.00 does not match 100.00"),
        ({"amount": "100.00", "currency": "USD"}, "currency USD does not match CNY"),
        ({"amount": "100.00", "reference": "MPNOSUCH-1"}, "unknown payment reference"),
    ],
    ids=["amount", "currency", "unknown-order"],
)
def test_mismatched_notification_is_refused_and_changes_nothing(client, placed, fields, reason):
    order, payment, _response = placed

    response = client.post(NOTIFY_URL, **notification(**{"reference": payment.reference, **fields}))

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert paid_events(order) == 0
    assert PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason == reason


def test_replayed_event_id_with_other_content_is_refused(client, placed):
    _order, payment, _response = placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", event_id="evt-9"))

    replay = client.post(
        NOTIFY_URL,
        **notification(reference=payment.reference, amount="100.00", kind="failed", event_id="evt-9"),
    )

    assert replay.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.events.filter(reason="replayed event id with other content").count() == 1


def test_failed_notification_marks_the_attempt_failed_and_the_order_can_be_paid_again(client, placed):
    order, payment, _response = placed

    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00", kind="failed"))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    html = client.get(order.get_access_url()).content.decode()
    assert "Pay with FakePay" in html
    again = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")
    assert again["Location"].endswith(f"{order.number}-2")


# Money that arrives late or twice


@pytest.mark.django_db(transaction=True)
def test_payment_after_cancellation_is_refunded_automatically(client, placed):
    order, payment, _response = placed
    order_cancel(order=order)

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    run_tasks()

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.surplus and payment.status == Payment.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("100.00")
    assert payment.refunds.get().status == Refund.Status.SUCCEEDED
    assert BANK.refunds == {f"{payment.reference}-R1": Decimal("100.00")}


@pytest.mark.django_db(transaction=True)
def test_second_successful_attempt_is_refunded_not_applied_twice(client, placed):
    order, first, _response = placed
    second = client.post(
        f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}", {"channel": "qr"}
    )
    assert second.status_code == 302
    other = order.payments.get(channel="qr")

    client.post(NOTIFY_URL, **notification(reference=first.reference, amount="100.00"))
    client.post(NOTIFY_URL, **notification(reference=other.reference, amount="100.00"))
    run_tasks()

    assert paid_events(order) == 1
    other.refresh_from_db()
    assert other.surplus and other.amount_refunded == Decimal("100.00")
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


# Sync


def test_lost_notification_is_recovered_by_sync_payments(placed, settings):
    order, payment, _response = placed
    BANK.paid[payment.reference] = Decimal("100.00")
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - settings.PAYMENT_SYNC_AFTER * 2
    )

    call_command("sync_payments")

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.QUERY, verdict="accepted").count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_sync_leaves_young_payments_alone_and_never_trusts_an_unpaid_answer(placed):
    order, _payment, _response = placed

    assert payments_sync()["checked"] == 0
    assert payments_sync(older_than=timedelta(0))["checked"] == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_sync_closes_the_unpaid_attempt_of_a_cancelled_order(placed):
    order, payment, _response = placed
    order_cancel(order=order)

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["closed"] == 1
    assert payment.status == Payment.Status.CANCELLED
    assert BANK.calls[-2:] == ["query", "close"]


@pytest.mark.django_db(transaction=True)
def test_two_sync_runs_at_once_ask_the_gateway_once(client, variant, shipping):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")
    payment = Payment.objects.get()
    BANK.paid[payment.reference] = Decimal("100.00")
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            payments_sync(older_than=timedelta(0))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert BANK.calls.count("query") == 1
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.PAID).count() == 1


# Refunds


@pytest.fixture
def paid(client, placed):
    order, payment, _response = placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    payment.refresh_from_db()
    return order, payment


def test_partial_then_full_refund_moves_the_order_to_refunded(paid):
    order, payment = paid

    payment_refund(payment=payment, amount=Decimal("30.00"))
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    payment_refund(payment=payment, amount=Decimal("70.00"))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.REFUNDED).count() == 1
    assert list(
        OrderEvent.objects.filter(order=order, kind="refunded").values_list("to_state", flat=True)
    ) == [
        "paid",
        "refunded",
    ]


def test_refund_over_what_was_paid_is_refused_and_nothing_is_sent(paid):
    _order, payment = paid
    payment_refund(payment=payment, amount=Decimal("60.00"))

    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=payment, amount=Decimal("40.01"))

    assert BANK.calls.count("refund") == 1
    assert payment.refunds.count() == 1


def test_pending_refunds_count_against_what_may_still_be_refunded(paid):
    _order, payment = paid
    BANK.refunds_pending = True
    pending = payment_refund(payment=payment, amount=Decimal("80.00"))
    assert pending.status == Refund.Status.PENDING

    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=payment, amount=Decimal("30.00"))


def test_refund_notification_completes_a_pending_refund(client, paid):
    order, payment = paid
    BANK.refunds_pending = True
    refund = payment_refund(payment=payment, amount=Decimal("100.00"))

    response = client.post(
        NOTIFY_URL,
        **notification(
            reference=payment.reference,
            amount="100.00",
            kind="refund_succeeded",
            refund_reference=refund.reference,
        ),
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert PaymentEvent.objects.get(kind="notification", verdict="accepted", refund=refund).payment == payment


def test_refund_while_the_gateway_is_down_stays_pending_and_sync_finishes_it(paid):
    _order, payment = paid
    BANK.down = True
    refund = payment_refund(payment=payment, amount=Decimal("25.00"))
    assert refund.status == Refund.Status.PENDING and "down" in refund.error
    BANK.down = False
    BANK.refunds[refund.reference] = Decimal("25.00")  # it did reach the gateway

    payments_sync(older_than=timedelta(0))

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("25.00")


def test_order_manager_refunds_part_of_a_payment_from_the_admin(client, paid):
    order, payment = paid
    staff = StaffUserFactory(is_superuser=False)
    staff.groups.add(Group.objects.get(name="Order managers"))
    staff_login(client, staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    form = client.get(url)
    too_much = client.post(url, {"amount": "100.01", "reason": "damaged"})
    done = client.post(url, {"amount": "40.00", "reason": "damaged"})

    assert form.status_code == 200 and "¥100.00" in form.content.decode()
    assert too_much.status_code == 400
    assert done.status_code == 302
    refund = payment.refunds.get()
    assert (refund.amount, refund.actor, refund.reason) == (Decimal("40.00"), staff, "damaged")
    order_page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert payment.reference in order_page


def test_admin_refund_needs_the_refund_permission(client, paid):
    _order, payment = paid
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "view_order"]))
    staff_login(client, staff)

    response = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": "1.00"})

    assert response.status_code == 403, response.get("Location")
    assert not payment.refunds.exists()


def test_order_paid_online_cannot_be_marked_refunded_without_the_gateway(paid):
    order, _payment = paid

    with pytest.raises(InvalidTransition):
        order_refund(order=order)


@pytest.mark.django_db(transaction=True)
def test_confirmation_email_of_an_unpaid_online_order_points_to_the_pay_button(
    client, variant, shipping, mailoutbox
):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")

    run_tasks()

    confirmation = next(mail for mail in mailoutbox if "Thank you for your order" in mail.body)
    assert "Not paid yet? Open your order page and choose “Pay with FakePay”" in confirmation.body
    assert latest_order().get_absolute_access_url() in confirmation.body


# Garbage at the notification URLs


@pytest.mark.parametrize("provider", ["fakepay", "stripe", "alipay", "wechat"])
@pytest.mark.parametrize(
    "body",
    [
        {"data": {"foo": "bar"}},  # multipart form
        {"data": b"a%00b=1&a%00b=2", "content_type": "application/x-www-form-urlencoded"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"},
        {"data": b"", "content_type": "text/plain"},
    ],
    ids=["multipart", "nul-field", "binary", "empty"],
)
def test_garbage_at_every_notification_url_is_refused_and_recorded(client, settings, provider, body):
    settings.PAYMENT_GATEWAYS = [
        "tests.payments.fake_gateway.FakeGateway",
        "payments.providers.stripe.StripeProvider",
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]

    response = client.post(f"/payments/notify/{provider}/", **body)

    assert 400 <= response.status_code < 500
    assert PaymentEvent.objects.get().verdict == PaymentEvent.Verdict.REJECTED


def test_unknown_gateway_notification_url_is_a_404(client):
    assert (
        client.post("/payments/notify/paypal/", data=b"{}", content_type="application/json").status_code
        == 404
    )


# Staff and gateways meeting on the same order


def test_payment_arriving_after_staff_marked_the_order_paid_is_kept_not_refunded(client, placed):
    order, payment, _response = placed
    order_mark_paid(order=order, note="Seen in the gateway's dashboard")

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and not payment.surplus
    assert paid_events(order) == 1
    assert BANK.calls.count("refund") == 0


@pytest.mark.django_db(transaction=True)
def test_cancelling_an_order_paid_online_sends_the_money_back(client, variant, shipping):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")
    order = latest_order()
    payment = order.payments.get()
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    order_cancel(order=order, note="Customer changed their mind")
    run_tasks()

    order.refresh_from_db()
    payment.refresh_from_db()
    assert BANK.refunds == {f"{payment.reference}-R1": Decimal("100.00")}
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert order.display_status == Order.Status.REFUNDED
    assert Variant.objects.get().stock == 10


def test_expired_qr_code_is_not_shown_again(client, placed):
    order, _first, _response = placed
    response = client.post(
        f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}", {"channel": "qr"}
    )
    Payment.objects.filter(channel="qr").update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.get(response["Location"])

    assert page["Location"] == order.get_access_url()


def test_returning_after_the_attempt_expired_offers_to_pay_again_instead_of_waiting(client, placed):
    order, payment, _response = placed
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for FakePay" not in html
    assert 'http-equiv="refresh"' not in html
    assert "Pay with FakePay" in html


def test_online_methods_are_not_offered_for_an_order_that_costs_nothing():
    gateway = gateway_get("fakepay")

    assert gateway.is_available(country="CN", total=Decimal("0.00")) is False
    assert gateway.is_available(country="CN", total=Decimal("0.01")) is True
