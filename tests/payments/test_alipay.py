"""Alipay through the real python-alipay-sdk against the local stand-in (tests/payments/alipay_standin/).

Every scenario goes through the shop's public entry points: checkout, the pay
button, the notify URL, the order page, the admin's refund form and
``manage.py sync_payments``; the database says what happened.
"""

import json
from datetime import timedelta
from decimal import Decimal
from http.client import HTTPConnection
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.alipay import AlipayProvider
from payments.providers.base import GatewayError, NotificationRejected
from payments.services import payment_refund
from tests.factories import StaffUserFactory
from tests.helpers import free_port, run_tasks, staff_login
from tests.payments.alipay_standin import AlipayStandin, backdated
from tests.payments.helpers import latest_order, online_checkout
from tests.payments.standin_rsa import private_pem, public_pem

pytestmark = pytest.mark.django_db

NOTIFY_PATH = "/payments/notify/alipay/"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture
def alipay(settings):
    """The stand-in gateway, and the shop configured for it (Alipay the only online gateway)."""
    settings.PAYMENT_GATEWAYS = ["payments.providers.alipay.AlipayProvider"]
    with AlipayStandin() as standin:
        standin.configure(settings)
        yield standin


@pytest.fixture
def placed(client, alipay, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with Alipay; the shopper has opened the cashier."""
    response = online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    payment = order.payments.get()
    alipay.open_cashier(payment.redirect_url)
    return order, payment, response


@pytest.fixture
def paid(client, alipay, placed):
    """The order above, paid through a verified notification."""
    order, payment, _response = placed
    response = post_notification(client, alipay.pay(payment.reference))
    assert response.content == b"success"
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


def post_notification(client, notification):
    return client.post(notification.path, data=notification.body, content_type=notification.content_type)


def sync_payments(settings) -> None:
    """``manage.py sync_payments`` for everything pending (as if the few minutes had passed)."""
    settings.PAYMENT_SYNC_AFTER = timedelta(0)
    call_command("sync_payments")


def snapshot(order: Order) -> tuple:
    """What a refused notification must leave unchanged."""
    order.refresh_from_db()
    payments = list(
        order.payments.order_by("id").values_list("status", "gateway_reference", "amount_refunded")
    )
    accepted = PaymentEvent.objects.filter(verdict=PaymentEvent.Verdict.ACCEPTED, kind="notification").count()
    return order.payment_status, payments, accepted, OrderEvent.objects.filter(order=order).count()


def press_cashier_button(standin: AlipayStandin, button: str, reference: str) -> tuple[int, str]:
    """POST the cashier's Pay or Cancel form as a browser would, without following the redirect."""
    connection = HTTPConnection("127.0.0.1", standin.port, timeout=10)
    try:
        connection.request(
            "POST",
            f"/cashier/{button}",
            body=f"out_trade_no={reference}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def refund_as_staff(client, payment: Payment, amount: str):
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_payment", "view_order", "change_order", "refund_order"]
        )
    )
    staff_login(client, staff)
    return client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": amount})


# Starting: the signed cashier URL


def test_checkout_sends_the_shopper_to_the_signed_desktop_cashier(placed, alipay, settings):
    order, payment, response = placed

    query = parse_qs(urlsplit(payment.redirect_url).query)
    biz = json.loads(query["biz_content"][0])

    assert response.status_code == 302
    assert response["Location"] == payment.redirect_url
    assert payment.redirect_url.startswith(f"{alipay.gateway_url}?")
    assert query["method"] == ["alipay.trade.page.pay"]
    assert query["sign_type"] == ["RSA2"]
    assert query["notify_url"] == [f"{settings.PAYMENT_NOTIFY_BASE_URL}{NOTIFY_PATH}"]
    assert query["return_url"] == [f"{settings.SITE_URL}{order.get_access_url()}&payment=returned"]
    assert biz["out_trade_no"] == payment.reference == f"{order.number}-1"
    assert biz["total_amount"] == "100.00"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert order.number in biz["subject"] and "&" not in biz["subject"]
    assert timedelta(minutes=29) < payment.expires_at - timezone.now() <= timedelta(minutes=30)
    assert alipay.trades[payment.reference].total_amount == Decimal("100.00")
    assert (payment.status, payment.channel, order.payment_status) == ("pending", "page", "unpaid")
    stored = payment.events.get(kind=PaymentEvent.Kind.CHECKOUT).payload
    assert stored == {
        "method": "alipay.trade.page.pay",
        "out_trade_no": payment.reference,
        "total_amount": "100.00",
    }


def test_the_cashier_shows_the_amount_with_pay_and_cancel_buttons(placed, alipay):
    _order, payment, _response = placed

    page = alipay.open_cashier(payment.redirect_url)

    assert "¥100.00" in page
    assert ">Pay</button>" in page and ">Cancel</button>" in page


def test_a_phone_gets_the_mobile_cashier(client, alipay, variant, shipping):
    client.defaults["HTTP_USER_AGENT"] = PHONE

    online_checkout(client, variant=variant, shipping=shipping, method="alipay")

    payment = latest_order().payments.get()
    query = parse_qs(urlsplit(payment.redirect_url).query)
    biz = json.loads(query["biz_content"][0])
    assert payment.channel == "wap"
    assert query["method"] == ["alipay.trade.wap.pay"]
    assert biz["product_code"] == "QUICK_WAP_WAY"
    assert biz["quit_url"] == query["return_url"][0]
    assert "¥100.00" in alipay.open_cashier(payment.redirect_url)


def test_a_cashier_url_changed_after_signing_is_refused_by_the_gateway(client, alipay, variant, shipping):
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()
    cheaper = payment.redirect_url.replace("100.00", "1.00")

    with pytest.raises(OSError) as refused:
        alipay.open_cashier(cheaper)

    assert refused.value.code == 400
    assert alipay.trades == {}


def test_alipay_is_offered_only_when_configured(client, alipay, variant, shipping, settings):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    offered = client.get(reverse("orders:checkout")).content.decode()
    settings.ALIPAY_APP_PRIVATE_KEY = ""

    not_offered = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="alipay"' in offered
    assert 'value="alipay"' not in not_offered


def test_keys_from_files_and_in_alipays_bare_base64_form(
    client, alipay, variant, shipping, settings, tmp_path
):
    key_file = tmp_path / "app_private_key.pem"
    key_file.write_text(settings.ALIPAY_APP_PRIVATE_KEY)
    settings.ALIPAY_APP_PRIVATE_KEY = ""
    settings.ALIPAY_APP_PRIVATE_KEY_FILE = str(key_file)
    bare = "".join(line for line in settings.ALIPAY_PUBLIC_KEY.splitlines() if "-----" not in line)
    settings.ALIPAY_PUBLIC_KEY = bare

    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()
    alipay.open_cashier(payment.redirect_url)
    post_notification(client, alipay.pay(payment.reference))

    assert latest_order().payment_status == "paid"


def test_the_gateway_origin_follows_the_sandbox_switch_and_the_override(settings):
    provider = AlipayProvider()
    settings.ALIPAY_GATEWAY_URL = ""
    settings.ALIPAY_SANDBOX = False
    production = provider.form_action_origins()
    settings.ALIPAY_SANDBOX = True
    sandbox = provider.form_action_origins()
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:8765/gateway.do"

    # The gateway, and the cashier hosts it sends the browser on to.
    assert production == ["https://openapi.alipay.com", "https://*.alipay.com"]
    assert sandbox == ["https://openapi-sandbox.dl.alipaydev.com", "https://*.alipaydev.com"]
    assert provider.form_action_origins() == ["http://127.0.0.1:8765"]


# Paying: only the verified notification marks the order paid


@pytest.mark.django_db(transaction=True)
def test_a_guest_pays_and_the_verified_notification_marks_the_order_paid(client, placed, alipay):
    order, payment, _response = placed
    notification = alipay.pay(payment.reference)
    returned = client.get(f"{order.get_access_url()}&payment=returned")
    order.refresh_from_db()
    assert order.payment_status == "unpaid"  # coming back proves nothing
    assert "waiting for Alipay to confirm" in returned.content.decode()

    response = post_notification(client, notification)

    assert (response.status_code, response.content, response["Content-Type"]) == (
        200,
        b"success",
        "text/plain",
    )
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == "paid"
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == alipay.trades[payment.reference].trade_no
    event = PaymentEvent.objects.get(kind="notification")
    assert event.verdict == PaymentEvent.Verdict.ACCEPTED
    assert event.event_id == notification.fields["notify_id"]
    assert (event.amount, event.currency, event.status) == (Decimal("100.00"), "CNY", "TRADE_SUCCESS")
    assert "sign" not in event.payload and "buyer_logon_id" not in event.payload
    assert event.payload["trade_no"] == payment.gateway_reference
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    run_tasks()
    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"


def test_a_notification_that_arrives_before_the_shopper_returns(client, placed, alipay):
    order, payment, _response = placed

    post_notification(client, alipay.pay(payment.reference))
    page = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "order-status-awaiting_shipment" in page
    assert "waiting for Alipay to confirm" not in page


def test_the_cashier_pay_button_notifies_and_sends_the_browser_back(
    client, alipay, variant, shipping, settings
):
    # Nothing listens at the notify address here: the stand-in's delivery attempt is recorded.
    settings.PAYMENT_NOTIFY_BASE_URL = f"http://127.0.0.1:{free_port()}"
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    payment = order.payments.get()
    alipay.open_cashier(payment.redirect_url)

    status, location = press_cashier_button(alipay, "pay", payment.reference)

    assert status == 302
    assert location.startswith(f"{settings.SITE_URL}{order.get_access_url()}&payment=returned&")
    assert parse_qs(urlsplit(location).query)["out_trade_no"] == [payment.reference]
    [(notification, _status, _body)] = alipay.delivered
    assert notification.url == f"{settings.PAYMENT_NOTIFY_BASE_URL}{NOTIFY_PATH}"
    assert latest_order().payment_status == "unpaid"  # the return URL proves nothing
    assert post_notification(client, notification).content == b"success"
    assert latest_order().payment_status == "paid"


def test_an_abandoned_payment_fails_and_the_shopper_can_start_again(client, placed, alipay):
    order, payment, _response = placed

    response = post_notification(client, alipay.cancel(payment.reference))
    again = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response.content == b"success"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == "unpaid"
    second = order.payments.exclude(pk=payment.pk).get()
    assert second.reference == f"{order.number}-2"
    assert again["Location"] == second.redirect_url


# Refusals: forged, tampered, mismatched, replayed, stale, for someone else


def test_a_forged_notification_is_refused_and_the_genuine_one_accepted(client, placed, alipay):
    order, payment, _response = placed
    alipay.pay(payment.reference)
    before = snapshot(order)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = post_notification(client, alipay.notification(payment.reference, key=forger))

    assert (forged.status_code, forged.content) == (400, b"fail")
    assert snapshot(order) == before
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.reason == "bad signature"
    genuine = post_notification(client, alipay.notification(payment.reference))
    assert genuine.content == b"success"
    assert latest_order().payment_status == "paid"


def test_a_notification_changed_after_signing_is_refused(client, placed, alipay):
    order, payment, _response = placed
    genuine = alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, genuine.tampered(trade_no="2088999999999999"))

    assert response.status_code == 400
    assert snapshot(order) == before


def test_a_notification_for_a_different_amount_is_refused(client, placed, alipay):
    order, payment, _response = placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, total_amount="1.00"))

    assert response.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason == "amount 1.00 does not match 100.00"
    assert post_notification(client, alipay.notification(payment.reference)).content == b"success"
    assert latest_order().payment_status == "paid"


def test_a_notification_for_an_unknown_order_is_refused(client, placed, alipay):
    order, payment, _response = placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, out_trade_no="MP0000000-1"))

    assert response.status_code == 400
    assert snapshot(order) == before


def test_a_duplicate_is_acknowledged_and_applied_once(client, placed, alipay):
    order, payment, _response = placed
    notification = alipay.pay(payment.reference)

    first = post_notification(client, notification)
    again = post_notification(client, notification)

    assert first.content == again.content == b"success"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    assert list(PaymentEvent.objects.filter(kind="notification").values_list("verdict", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_a_replayed_notify_id_with_other_content_is_refused(client, placed, alipay):
    order, payment, _response = placed
    notification = alipay.pay(payment.reference)
    post_notification(client, notification)
    before = snapshot(order)

    replay = alipay.notification(
        payment.reference, notify_id=notification.fields["notify_id"], trade_status="TRADE_CLOSED"
    )
    response = post_notification(client, replay)

    assert response.status_code == 400
    assert snapshot(order) == before
    assert (
        PaymentEvent.objects.filter(verdict="rejected").get().reason == "replayed event id with other content"
    )


def test_a_stale_notification_is_refused_but_alipays_last_retry_is_not(client, placed, alipay):
    order, payment, _response = placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    stale = post_notification(client, alipay.notification(payment.reference, sent_at=backdated(27)))
    assert stale.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason.startswith("stale")
    last_retry = post_notification(client, alipay.notification(payment.reference, sent_at=backdated(25)))

    assert last_retry.content == b"success"
    assert latest_order().payment_status == "paid"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"app_id": "2021000000009999"}, "for another app_id"),
        ({"seller_id": "2088000000009999"}, "for another seller_id"),
        ({"sign_type": "RSA"}, "unsigned or not RSA2"),
        ({"notify_time": "yesterday"}, "notify_time missing or malformed"),
        ({"total_amount": "1e2"}, "total_amount missing or malformed"),
        ({"notify_time": "2099-01-01 00:00:00"}, "sent in the future: 2099-01-01 00:00:00 (Beijing time)"),
    ],
)
def test_signed_notifications_that_are_not_for_us_are_refused(client, placed, alipay, change, reason):
    order, payment, _response = placed
    alipay.pay(payment.reference)
    before = snapshot(order)

    response = post_notification(client, alipay.notification(payment.reference, **change))

    assert response.status_code == 400
    assert snapshot(order) == before
    assert PaymentEvent.objects.get(verdict="rejected").reason == reason


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/x-www-form-urlencoded"),
        ('{"trade_status": "TRADE_SUCCESS"}', "application/json"),
        ("sign=abc&sign_type=RSA2&sign=def", "application/x-www-form-urlencoded"),
        ("out_trade_no=X&trade_status=TRADE_SUCCESS", "application/x-www-form-urlencoded"),
        ("sign=%%%&sign_type=RSA2&app_id=1", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_notifications_get_a_4xx_not_an_error(client, alipay, body, content_type):
    response = client.post(NOTIFY_PATH, data=body, content_type=content_type)

    assert response.status_code == 400
    assert PaymentEvent.objects.get().verdict == PaymentEvent.Verdict.REJECTED


def test_notification_parse_reports_the_payment_and_an_added_field_breaks_the_signature(alipay, placed):
    _order, payment, _response = placed
    notification = alipay.pay(payment.reference)
    request = RequestFactory().post(
        NOTIFY_PATH, data=notification.body, content_type=notification.content_type
    )

    [event] = AlipayProvider().notification_parse(request)

    assert (event.kind, event.reference, event.amount) == ("paid", payment.reference, Decimal("100.00"))
    with pytest.raises(NotificationRejected):
        AlipayProvider().notification_parse(
            RequestFactory().post(
                NOTIFY_PATH,
                data=notification.tampered(sign_type="RSA2", extra="1").body,
                content_type=notification.content_type,
            )
        )


# Lost notifications and sync_payments


@pytest.mark.django_db(transaction=True)
def test_a_lost_notification_is_recovered_by_sync_payments(client, placed, alipay, settings):
    order, payment, _response = placed
    alipay.pay(payment.reference)  # paid at Alipay; the notification never arrives

    sync_payments(settings)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == "paid"
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == alipay.trades[payment.reference].trade_no
    query = PaymentEvent.objects.get(kind="query")
    assert (query.verdict, query.amount, query.status) == ("accepted", Decimal("100.00"), "TRADE_SUCCESS")
    assert ("alipay.trade.query", {"out_trade_no": payment.reference}) in alipay.api_calls
    run_tasks()
    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"
    # The notification that finally arrives is a duplicate of what the query applied.
    assert post_notification(client, alipay.notification(payment.reference)).content == b"success"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1


def test_sync_leaves_a_payment_the_shopper_may_still_pay_pending(placed, alipay, settings):
    _order, payment, _response = placed

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.filter(kind="query").exists()


def test_sync_fails_a_payment_whose_cashier_was_never_opened_and_has_expired(
    client, alipay, variant, shipping, settings
):
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()
    sync_payments(settings)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING  # the link is still valid
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1), checked_at=None
    )

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert latest_order().payment_status == "unpaid"


def test_a_cancelled_orders_open_trade_is_closed_at_alipay(placed, alipay, settings):
    order, payment, _response = placed
    order_cancel(order=order)

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert alipay.trades[payment.reference].status == "TRADE_CLOSED"


@pytest.mark.django_db(transaction=True)
def test_a_payment_after_cancellation_is_refunded_automatically(client, placed, alipay):
    order, payment, _response = placed
    order_cancel(order=order)

    response = post_notification(client, alipay.pay(payment.reference))
    run_tasks()

    assert response.content == b"success"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == "unpaid"
    assert payment.surplus and payment.amount_refunded == Decimal("100.00")
    assert alipay.trades[payment.reference].refunds == {f"{payment.reference}-R1": Decimal("100.00")}


def test_an_answer_with_a_bad_signature_changes_nothing(placed, alipay, settings):
    _order, payment, _response = placed
    alipay.pay(payment.reference)
    settings.ALIPAY_PUBLIC_KEY = public_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert latest_order().payment_status == "unpaid"
    assert not PaymentEvent.objects.filter(kind="query").exists()


def test_alipay_down_changes_nothing(placed, alipay, settings):
    _order, payment, _response = placed
    alipay.pay(payment.reference)
    alipay.unavailable = True

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_the_gateway_refuses_requests_signed_with_another_app_key(placed, alipay, settings):
    _order, payment, _response = placed
    alipay.pay(payment.reference)
    settings.ALIPAY_APP_PRIVATE_KEY = private_pem(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    sync_payments(settings)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert alipay.api_calls == []


# Refunds from the admin


def test_a_partial_then_a_full_refund_from_the_admin(client, paid, alipay):
    order, payment = paid

    partial = refund_as_staff(client, payment, "30.00")

    assert partial.status_code == 302
    first = payment.refunds.get()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (first.status, first.amount, first.reference) == (
        "succeeded",
        Decimal("30.00"),
        f"{payment.reference}-R1",
    )
    assert first.gateway_reference == payment.gateway_reference
    assert payment.amount_refunded == Decimal("30.00")
    assert order.payment_status == "paid"
    # Alipay's refund notification (TRADE_SUCCESS, refund_fee, out_biz_no) is acknowledged, applied once.
    assert post_notification(client, alipay.outbox.pop()).content == b"success"
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("30.00")

    full = refund_as_staff(client, payment, "70.00")

    assert full.status_code == 302
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == "refunded"
    assert alipay.trades[payment.reference].refunds == {
        f"{payment.reference}-R1": Decimal("30.00"),
        f"{payment.reference}-R2": Decimal("70.00"),
    }
    # The full refund closes the trade at Alipay; that notification is no failed payment.
    closing = alipay.outbox.pop()
    assert closing.fields["trade_status"] == "TRADE_CLOSED"
    assert post_notification(client, closing).content == b"success"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert [call for call, _biz in alipay.api_calls].count("alipay.trade.refund") == 2


def test_a_refund_over_what_was_paid_is_refused_and_not_sent(client, paid, alipay):
    _order, payment = paid

    response = refund_as_staff(client, payment, "100.01")

    assert response.status_code == 400
    assert not payment.refunds.exists()
    assert alipay.trades[payment.reference].refunds == {}


def test_a_refund_whose_answer_is_lost_is_confirmed_by_sync(client, paid, alipay, settings):
    _order, payment = paid
    alipay.lose_next_refund_answer = True
    refund_as_staff(client, payment, "40.00")
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.PENDING

    sync_payments(settings)

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("40.00")
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("40.00")}


def test_a_refund_alipay_never_received_is_sent_again_by_sync(client, paid, alipay, settings):
    _order, payment = paid
    alipay.fail_next_refund = True
    refund_as_staff(client, payment, "100.00")
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.PENDING
    assert alipay.trades[payment.reference].refunds == {}

    sync_payments(settings)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("100.00")}
    assert latest_order().payment_status == "refunded"


def test_a_refund_notification_completes_a_pending_refund(client, paid, alipay):
    _order, payment = paid
    alipay.lose_next_refund_answer = True
    refund_as_staff(client, payment, "25.00")
    refund = payment.refunds.get()

    response = post_notification(client, alipay.outbox.pop())

    assert response.content == b"success"
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("25.00")


def test_a_refund_alipay_refuses_is_recorded_as_failed(client, paid, alipay):
    order, payment = paid
    alipay.trades[payment.reference].refunds["CONSOLE-1"] = Decimal("95.00")  # refunded in Alipay's console

    response = refund_as_staff(client, payment, "10.00")

    assert response.status_code == 302
    refund = payment.refunds.get()
    assert refund.status == Refund.Status.FAILED
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in refund.error
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.payment_status) == (Decimal("0.00"), "paid")


def test_sending_the_same_refund_again_never_refunds_twice(paid, alipay):
    _order, payment = paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))

    again = AlipayProvider().refund_create(payment=payment, refund=refund)

    assert again.status == "succeeded"
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("20.00")}
    assert [call for call, _biz in alipay.api_calls] == [
        "alipay.trade.refund",
        "alipay.trade.refund",
        "alipay.trade.fastpay.refund.query",
    ]


def test_closing_a_trade_the_shopper_never_opened(client, alipay, variant, shipping):
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()

    with pytest.raises(GatewayError, match=r"ACQ\.TRADE_NOT_EXIST"):
        AlipayProvider().checkout_close(payment=payment)  # its cashier link could still be used
    payment.expires_at = timezone.now() - timedelta(seconds=1)
    AlipayProvider().checkout_close(payment=payment)  # expired: nobody can pay it any more


def test_closing_a_trade_that_was_paid_meanwhile_is_refused(placed, alipay):
    _order, payment, _response = placed
    alipay.pay(payment.reference)

    with pytest.raises(GatewayError, match=r"ACQ\.TRADE_STATUS_ERROR"):
        AlipayProvider().checkout_close(payment=payment)


def test_a_key_that_cannot_be_loaded_leaves_the_order_unpaid_with_a_message(
    client, alipay, variant, shipping, settings
):
    settings.ALIPAY_APP_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----"

    response = online_checkout(client, variant=variant, shipping=shipping, method="alipay")

    order = latest_order()
    assert response["Location"] == order.get_access_url()
    assert order.payments.get().status == Payment.Status.FAILED
    assert "Alipay keys cannot be loaded" in PaymentEvent.objects.get(kind="checkout").reason
    page = client.get(response["Location"]).content.decode()
    assert "Alipay cannot be reached right now" in page
