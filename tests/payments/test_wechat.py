"""WeChat Pay (API v3) end to end: the real wechatpayv3 SDK against a local stand-in of the gateway.

The stand-in (tests/payments/wechat_standin/) checks the shop's request
signatures, signs its answers and notifications with a platform key generated
per test, and encrypts notification resources with the merchant's APIv3 key.
"""

import json
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import polib
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import EventKind, GatewayError
from payments.providers.wechat import WeChatPayProvider, amount_from_fen, fen_from_amount
from payments.services import payment_refund, payments_sync
from tests.factories import StaffUserFactory
from tests.helpers import run_tasks, staff_login
from tests.payments.helpers import latest_order, online_checkout
from tests.payments.standin_rsa import private_pem
from tests.payments.wechat_standin import StandInError, WeChatPayStandIn

pytestmark = pytest.mark.django_db

NOTIFY_PATH = "/payments/notify/wechat/"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture
def wechat(settings, monkeypatch):
    """The stand-in gateway, running, with the shop configured as its merchant."""
    settings.PAYMENT_NOTIFY_BASE_URL = "http://testserver"
    with WeChatPayStandIn() as standin:
        standin.use_in(settings, monkeypatch)
        yield standin


@pytest.fixture
def placed(client, wechat, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with WeChat Pay from a desktop browser: a QR code."""
    response = online_checkout(client, variant=variant, shipping=shipping, method="wechat")
    order = latest_order()
    return order, order.payments.get(), response


@pytest.fixture
def paid(client, wechat, placed):
    """The placed order, paid through a verified notification."""
    order, payment, _response = placed
    assert wechat.pay(payment.reference).post(client).status_code == 204
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


def assert_nothing_paid(order: Order, payment: Payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.status == Payment.Status.PENDING
    assert not OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).exists()
    assert not OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).exists()


def refused(response) -> bool:
    return response.status_code == 400 and json.loads(response.content)["code"] == "FAIL"


# Amounts


@pytest.mark.parametrize(
    ("amount", "fen"),
    [("0.01", 1), ("12.30", 1230), ("100", 10000), ("99999999.99", 9999999999)],
)
def test_amounts_convert_to_fen_and_back_exactly(amount, fen):
    assert fen_from_amount(Decimal(amount)) == fen
    assert amount_from_fen(fen) == Decimal(amount).quantize(Decimal("0.01"))


@pytest.mark.parametrize("amount", ["12.345", "0", "-1.00", "NaN"])
def test_amounts_that_are_not_whole_positive_fen_are_refused(amount):
    with pytest.raises(GatewayError):
        fen_from_amount(Decimal(amount))


@pytest.mark.parametrize("fen", [1.5, "100", -1, True, None])
def test_fen_from_the_gateway_must_be_a_non_negative_integer(fen):
    with pytest.raises(ValueError):
        amount_from_fen(fen)


# Configuration


def test_wechat_pay_is_offered_only_when_configured(client, settings, variant, shipping):
    settings.WECHATPAY_MCH_ID = ""

    page = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="wechat"' not in page
    assert WeChatPayProvider().is_configured() is False


def test_wechat_pay_is_offered_with_configuration(client, wechat, variant, shipping):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    page = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="wechat"' in page and "WeChat Pay" in page


def test_keys_can_be_given_as_files(client, wechat, settings, tmp_path, variant, shipping):
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(settings.WECHATPAY_PRIVATE_KEY)
    public_file = tmp_path / "pub_key.pem"
    public_file.write_text(settings.WECHATPAY_PUBLIC_KEY)
    settings.WECHATPAY_PRIVATE_KEY = settings.WECHATPAY_PUBLIC_KEY = ""
    settings.WECHATPAY_PRIVATE_KEY_FILE = str(key_file)
    settings.WECHATPAY_PUBLIC_KEY_FILE = str(public_file)

    online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    assert latest_order().payments.get().qr_code.startswith("weixin://wxpay/bizpayurl?pr=")


# Starting a payment


def test_desktop_checkout_creates_a_native_payment_and_shows_its_qr_code(client, wechat, placed):
    order, payment, response = placed

    page = client.get(response["Location"])

    assert response["Location"] == (
        reverse("payments:qr", args=[order.number, payment.reference]) + f"?token={order.access_token}"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html and 'http-equiv="refresh"' in html
    transaction = wechat.transaction(payment.reference)
    assert payment.qr_code == f"weixin://wxpay/bizpayurl?pr={transaction.token}"
    assert (payment.channel, payment.status) == ("native", Payment.Status.PENDING)
    assert transaction.trade_type == "NATIVE"
    assert transaction.request["amount"] == {"total": 10000, "currency": "CNY"}
    assert transaction.request["notify_url"] == "http://testserver/payments/notify/wechat/"
    assert transaction.request["description"] == f"Maple & Pine order {order.number}"
    assert transaction.request["scene_info"] == {"payer_client_ip": "127.0.0.1"}
    expires = datetime.fromisoformat(transaction.request["time_expire"])
    assert transaction.request["time_expire"].endswith("+08:00")
    assert timedelta(minutes=29) < expires - datetime.now(expires.tzinfo) <= timedelta(minutes=30)
    assert payment.expires_at == expires
    assert order.payment_status == Order.PaymentStatus.UNPAID


@pytest.fixture
def zh_hans_wechat(settings, tmp_path):
    """The zh-hans catalogue and this area's fragment (whichever exist), compiled for the test."""
    locale = Path(settings.BASE_DIR) / "locale"
    merged = polib.POFile()
    merged.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_Hans"}
    seen = set()
    for path in (
        locale / "fragments" / "payments_wechat.po",
        locale / "zh_Hans" / "LC_MESSAGES" / "django.po",
    ):
        for entry in polib.pofile(str(path)) if path.exists() else []:
            if entry.msgid and entry.translated() and (entry.msgctxt, entry.msgid) not in seen:
                seen.add((entry.msgctxt, entry.msgid))
                merged.append(entry)
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    merged.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    yield
    # A request in Chinese leaves Chinese active in this thread; later tests expect the default.
    translation.deactivate()


def test_description_is_in_the_order_language(client, wechat, variant, shipping, zh_hans_wechat):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    order = latest_order()
    assert order.language == "zh-hans"
    assert wechat.latest().description == f"Maple & Pine 订单 {order.number}"


def test_phone_checkout_goes_to_the_h5_page_with_the_return_url(client, wechat, variant, shipping, settings):
    client.defaults["HTTP_USER_AGENT"] = PHONE

    response = online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    order = latest_order()
    payment = order.payments.get()
    transaction = wechat.transaction(payment.reference)
    return_url = f"{settings.SITE_URL}{order.get_access_url()}&payment=returned"
    assert payment.channel == "h5" and payment.qr_code == ""
    assert response.status_code == 302
    assert response["Location"] == payment.redirect_url
    assert payment.redirect_url.startswith(f"{wechat.base_url}/h5/{transaction.token}?prepay_id=")
    assert payment.redirect_url.endswith(f"&redirect_url={quote(return_url, safe='')}")
    assert transaction.trade_type == "MWEB"
    assert transaction.request["scene_info"] == {
        "payer_client_ip": "127.0.0.1",
        "h5_info": {"type": "Wap", "app_name": "Maple & Pine", "app_url": settings.SITE_URL},
    }


def test_h5_payment_sends_the_shopper_back_and_only_the_notification_pays(
    client, wechat, variant, shipping, settings
):
    client.defaults["HTTP_USER_AGENT"] = PHONE
    online_checkout(client, variant=variant, shipping=shipping, method="wechat")
    order = latest_order()
    payment = order.payments.get()
    back_to = parse_qs(urlsplit(payment.redirect_url).query)["redirect_url"][0].removeprefix(
        settings.SITE_URL
    )
    notification = wechat.pay(payment.reference)

    before = client.get(back_to).content.decode()
    accepted = notification.post(client)
    after = client.get(back_to).content.decode()

    assert "We are waiting for WeChat Pay to confirm your payment" in before
    assert accepted.status_code == 204
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert "waiting for WeChat Pay" not in after


def test_pay_button_reuses_the_open_qr_code(client, wechat, placed):
    order, payment, _response = placed

    response = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response["Location"].startswith(reverse("payments:qr", args=[order.number, payment.reference]))
    assert order.payments.count() == 1
    assert [call[1] for call in wechat.calls] == ["/v3/pay/transactions/native"]


def test_gateway_down_at_checkout_keeps_the_order_unpaid_with_a_message(client, wechat, variant, shipping):
    wechat.stop()

    response = online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    order = latest_order()
    assert response["Location"] == order.get_access_url()
    page = client.get(response["Location"]).content.decode()
    assert "WeChat Pay cannot be reached right now" in page
    assert order.payments.get().status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    event = order.payments.get().events.get()
    assert event.verdict == PaymentEvent.Verdict.ERROR and "cannot reach" in event.reason


def test_answer_not_signed_by_the_platform_key_is_not_trusted(client, wechat, variant, shipping):
    wechat.answer_signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    payment = latest_order().payments.get()
    assert payment.status == Payment.Status.FAILED and payment.qr_code == ""
    assert "failed to verify the signature" in payment.events.get().reason


def test_request_signed_with_the_wrong_merchant_key_is_refused_by_the_gateway(
    client, wechat, settings, variant, shipping
):
    settings.WECHATPAY_PRIVATE_KEY = private_pem(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    payment = latest_order().payments.get()
    assert payment.status == Payment.Status.FAILED
    assert "401: SIGN_ERROR" in payment.events.get().reason
    assert wechat.transactions == {}


# Notifications


def test_verified_notification_marks_the_order_paid_and_queues_the_email(client, wechat, placed):
    order, payment, response = placed

    answer = wechat.pay(payment.reference).post(client)

    assert (answer.status_code, answer.content) == (204, b"")
    order.refresh_from_db()
    payment.refresh_from_db()
    transaction = wechat.transaction(payment.reference)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == transaction.transaction_id
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    event = payment.events.get(kind=PaymentEvent.Kind.NOTIFICATION)
    assert (event.verdict, event.amount, event.currency, event.status) == (
        PaymentEvent.Verdict.ACCEPTED,
        Decimal("100.00"),
        "CNY",
        "SUCCESS",
    )
    assert event.event_id.startswith("EV-")
    stored = json.dumps(event.payload)
    assert event.payload["resource"]["transaction_id"] == transaction.transaction_id
    assert "ciphertext" not in stored and "openid" not in stored and "nonce" not in stored
    # The QR page sends the shopper on to the order page once paid.
    assert client.get(response["Location"])["Location"] == order.get_access_url()


@pytest.mark.django_db(transaction=True)
def test_paid_email_is_sent_by_the_worker(client, wechat, paid, mailoutbox):
    order, _payment = paid

    run_tasks()

    assert OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID).status == "sent"
    paid_mail = [message for message in mailoutbox if "Payment received" in message.subject]
    assert [message.to for message in paid_mail] == [["ann@example.com"]]
    assert order.number in paid_mail[0].subject


def test_returning_shopper_waits_and_is_never_marked_paid_by_the_browser(client, wechat, placed):
    order, payment, _response = placed

    page = client.get(f"{order.get_access_url()}&payment=returned&trade_state=SUCCESS")

    assert "We are waiting for WeChat Pay to confirm your payment" in page.content.decode()
    assert_nothing_paid(order, payment)


def test_notification_before_the_shopper_returns_shows_paid_on_return(client, wechat, placed):
    order, payment, _response = placed
    wechat.pay(payment.reference).post(client)

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for WeChat Pay" not in html
    assert "Awaiting shipment" in html


def test_duplicate_delivery_is_acknowledged_and_applied_once(client, wechat, placed):
    order, payment, _response = placed
    notification = wechat.pay(payment.reference)

    first = notification.post(client)
    second = notification.post(client)

    assert (first.status_code, second.status_code) == (204, 204)
    verdicts = list(payment.events.filter(kind="notification").values_list("verdict", flat=True))
    assert verdicts == [PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE]
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_notification_signed_with_another_key_is_refused_and_the_genuine_one_accepted(client, wechat, placed):
    order, payment, _response = placed
    wechat.pay(payment.reference)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = wechat.transaction_notification(payment.reference, signing_key=forger).post(client)

    assert refused(forged)
    assert_nothing_paid(order, payment)
    rejected = PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED)
    assert rejected.reason == "bad signature or resource that does not decrypt"
    assert wechat.transaction_notification(payment.reference).post(client).status_code == 204
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_tampered_body_is_refused(client, wechat, placed):
    order, payment, _response = placed
    genuine = wechat.pay(payment.reference)
    other = wechat.transaction_notification(payment.reference)

    response = genuine.with_body(other.body).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"serial": "PUB_KEY_ID_0000000000000000000000000000000000"}, "signed with an unknown key"),
        ({"age": 6 * 60}, "stale Wechatpay-Timestamp"),
        ({"age": -6 * 60}, "stale Wechatpay-Timestamp"),
        ({"apiv3_key": "0" * 32}, "bad signature or resource that does not decrypt"),
    ],
    ids=["unknown-serial", "old", "future", "wrong-apiv3-key"],
)
def test_foreign_stale_or_undecryptable_notification_is_refused(client, wechat, placed, options, reason):
    order, payment, _response = placed
    wechat.pay(payment.reference)
    if "age" in options:  # signed that many seconds ago (negative: ahead of our clock)
        options = {"timestamp": int(time.time()) - options["age"]}

    response = wechat.transaction_notification(payment.reference, **options).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)
    assert PaymentEvent.objects.get(verdict=PaymentEvent.Verdict.REJECTED).reason.startswith(reason)


def test_notification_without_signature_headers_is_refused(client, wechat, placed):
    order, payment, _response = placed
    notification = wechat.pay(payment.reference)

    response = client.post(NOTIFY_PATH, data=notification.body, content_type="application/json")

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_old_notification_replayed_later_is_refused(client, wechat, placed):
    order, payment, _response = placed
    # Captured when it was sent six minutes ago, and sent again now.
    replayed = wechat.pay(payment.reference, timestamp=int(time.time()) - 6 * 60)

    response = replayed.post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_replayed_event_id_with_other_content_is_refused(client, wechat, placed, variant, shipping):
    _order, payment, _response = placed
    first = wechat.pay(payment.reference)
    assert first.post(client).status_code == 204
    online_checkout(client, variant=variant, shipping=shipping, method="wechat")
    other_payment = latest_order().payments.get()
    wechat.pay(other_payment.reference)
    event_id = json.loads(first.body)["id"]

    response = wechat.transaction_notification(other_payment.reference, notification_id=event_id).post(client)

    assert refused(response)
    other_payment.refresh_from_db()
    assert other_payment.status == Payment.Status.PENDING
    assert other_payment.order.payment_status == Order.PaymentStatus.UNPAID


def test_amount_mismatch_is_refused_and_changes_nothing(client, wechat, placed):
    order, payment, _response = placed
    wechat.transaction(payment.reference).total = 9900  # ¥99.00 paid for a ¥100.00 order

    response = wechat.pay(payment.reference).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)
    event = payment.events.get(kind="notification")
    assert event.verdict == PaymentEvent.Verdict.REJECTED
    assert event.reason == "amount 99.00 does not match 100.00"


def test_currency_mismatch_is_refused(client, wechat, placed):
    order, payment, _response = placed
    wechat.transaction(payment.reference).currency = "USD"

    response = wechat.pay(payment.reference).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_notification_for_an_unknown_order_is_refused(client, wechat, placed):
    order, payment, _response = placed
    transaction = wechat.transaction(payment.reference)
    wechat.pay(payment.reference)
    resource = wechat.transaction_resource(transaction) | {"out_trade_no": "MPZZZZZZZZ-1"}

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
    ).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


@pytest.mark.parametrize("field", [{"mchid": "1900000001"}, {"appid": "wx0000000000000000"}])
def test_notification_for_another_merchant_or_app_is_refused(client, wechat, placed, field):
    order, payment, _response = placed
    transaction = wechat.transaction(payment.reference)
    wechat.pay(payment.reference)
    resource = wechat.transaction_resource(transaction) | field

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
    ).post(client)

    assert refused(response)
    assert_nothing_paid(order, payment)


def test_genuine_notification_of_another_kind_is_acknowledged_and_changes_nothing(client, wechat, placed):
    order, payment, _response = placed
    transaction = wechat.transaction(payment.reference)

    response = wechat.notification(
        notify_url=transaction.notify_url,
        event_type="TRANSACTION.CLOSED",
        summary="已关闭",
        original_type="transaction",
        resource=wechat.transaction_resource(transaction),
    ).post(client)

    assert response.status_code == 204
    assert_nothing_paid(order, payment)


# Failed, abandoned and lost payments


def test_failed_payment_is_recorded_by_sync_and_the_order_stays_unpaid(wechat, placed, settings):
    order, payment, _response = placed
    wechat.fail(payment.reference)
    settings.PAYMENT_SYNC_AFTER = timedelta(0)

    call_command("sync_payments", verbosity=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.events.get(kind=PaymentEvent.Kind.QUERY).status == "PAYERROR"


def test_unpaid_qr_code_stays_pending_at_sync(wechat, placed):
    order, payment, _response = placed

    counts = payments_sync(older_than=timedelta(0))

    assert counts["checked"] == 1 and counts["paid"] == 0
    assert_nothing_paid(order, payment)
    assert ("GET", f"/v3/pay/transactions/out-trade-no/{payment.reference}", 200) in wechat.calls


def test_abandoned_payment_of_a_cancelled_order_is_closed_at_the_gateway(wechat, placed):
    order, payment, _response = placed
    order_cancel(order=order, note="unpaid for too long")

    counts = payments_sync(older_than=timedelta(0))

    payment.refresh_from_db()
    assert counts["closed"] == 1
    assert payment.status == Payment.Status.CANCELLED
    assert wechat.transaction(payment.reference).trade_state == "CLOSED"
    with pytest.raises(StandInError):
        wechat.pay(payment.reference)


def test_lost_notification_is_recovered_by_sync_payments(wechat, placed, settings):
    order, payment, _response = placed
    wechat.pay(payment.reference)  # the notification never arrives
    settings.PAYMENT_SYNC_AFTER = timedelta(0)

    call_command("sync_payments", verbosity=0)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_reference == wechat.transaction(payment.reference).transaction_id
    event = payment.events.get(kind=PaymentEvent.Kind.QUERY)
    assert (event.verdict, event.amount, event.event_id) == (
        PaymentEvent.Verdict.ACCEPTED,
        Decimal("100.00"),
        None,
    )
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1


def test_late_notification_after_sync_is_acknowledged_once(client, wechat, placed):
    order, payment, _response = placed
    notification = wechat.pay(payment.reference)
    payments_sync(older_than=timedelta(0))

    response = notification.post(client)

    assert response.status_code == 204
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
def test_payment_after_cancellation_is_refunded_automatically(client, wechat, placed):
    order, payment, _response = placed
    order_cancel(order=order, note="unpaid for too long")

    response = wechat.pay(payment.reference).post(client)
    run_tasks()

    assert response.status_code == 204
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.surplus is True
    refund = payment.refunds.get()
    at_gateway = wechat.refunds[refund.reference]
    assert (at_gateway.refund, at_gateway.total, at_gateway.status) == (10000, 10000, "PROCESSING")
    assert refund.status == Refund.Status.PENDING
    assert wechat.refund_complete(refund.reference).post(client).status_code == 204
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED


# Refunds


def test_partial_then_full_refund_from_the_admin(client, wechat, paid):
    order, payment = paid
    wechat.refund_status = "SUCCESS"
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_payment", "view_order", "change_order", "refund_order"]
        )
    )
    staff_login(client, staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    partial = client.post(url, {"amount": "30.50", "reason": "one cup broken"})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert partial.status_code == 302
    assert (order.payment_status, payment.amount_refunded) == (Order.PaymentStatus.PAID, Decimal("30.50"))
    too_much = client.post(url, {"amount": "69.51"})
    rest = client.post(url, {"amount": "69.50"})

    assert too_much.status_code == 400
    assert rest.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    first, second = payment.refunds.order_by("id")
    assert (first.status, second.status) == (Refund.Status.SUCCEEDED, Refund.Status.SUCCEEDED)
    assert [(r.refund, r.total, r.reason) for r in wechat.refunds.values()] == [
        (3050, 10000, "one cup broken"),
        (6950, 10000, ""),
    ]
    assert first.gateway_reference == wechat.refunds[first.reference].refund_id
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.REFUNDED).count() == 1


def test_processing_refund_is_completed_by_its_notification(client, wechat, paid):
    order, payment = paid

    refund = payment_refund(payment=payment, amount=Decimal("100.00"), reason="out of stock")

    assert refund.status == Refund.Status.PENDING
    assert wechat.refunds[refund.reference].notify_url == "http://testserver/payments/notify/wechat/"
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    notification = wechat.refund_complete(refund.reference)
    assert notification.post(client).status_code == 204
    assert notification.post(client).status_code == 204  # a second delivery changes nothing
    refund.refresh_from_db()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    event = PaymentEvent.objects.filter(kind="notification", verdict="accepted").last()
    assert (event.status, event.amount) == ("SUCCESS", Decimal("100.00"))
    assert event.payload["resource"]["out_refund_no"] == refund.reference


def test_abnormal_refund_notification_marks_the_refund_failed(client, wechat, paid):
    _order, payment = paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))

    response = wechat.refund_complete(refund.reference, status="ABNORMAL").post(client)

    assert response.status_code == 204
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert payment.amount_refunded == Decimal("0.00")


def test_forged_refund_notification_is_refused(client, wechat, paid):
    _order, payment = paid
    refund = payment_refund(payment=payment, amount=Decimal("20.00"))
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = wechat.refund_complete(refund.reference, signing_key=forger).post(client)

    assert refused(response)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING


def test_pending_refund_is_finished_by_sync(wechat, paid):
    order, payment = paid
    refund = payment_refund(payment=payment, amount=Decimal("100.00"))
    wechat.refunds[refund.reference].status = "SUCCESS"

    counts = payments_sync(older_than=timedelta(0))

    refund.refresh_from_db()
    order.refresh_from_db()
    assert counts["refund_succeeded"] == 1
    assert refund.status == Refund.Status.SUCCEEDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED


def test_refund_while_the_gateway_is_down_stays_pending_then_sync_sends_it_once(wechat, paid):
    _order, payment = paid
    wechat.stop()

    refund = payment_refund(payment=payment, amount=Decimal("10.00"))

    assert refund.status == Refund.Status.PENDING
    assert "cannot reach" in refund.error
    wechat.start()
    payments_sync(older_than=timedelta(0))
    refund.refresh_from_db()
    assert list(wechat.refunds) == [refund.reference]  # sent once, when WeChat Pay was back
    assert refund.status in (Refund.Status.PENDING, Refund.Status.SUCCEEDED)


def test_refund_refused_by_the_gateway_is_recorded_as_failed(wechat, paid):
    _order, payment = paid
    wechat.transaction(payment.reference).total = 5000  # the gateway sees another order total

    refund = payment_refund(payment=payment, amount=Decimal("10.00"))

    assert refund.status == Refund.Status.FAILED
    assert "INVALID_REQUEST" in refund.error


# The provider's answers to WeChat Pay


def test_notification_answers_follow_wechat_pay_documentation():
    provider = WeChatPayProvider()

    accepted = provider.notification_response(accepted=True)
    refusal = provider.notification_response(accepted=False)

    assert (accepted.status_code, accepted.content) == (204, b"")
    assert refusal.status_code == 400
    assert json.loads(refusal.content)["code"] == "FAIL"


def test_query_of_a_payment_never_created_at_the_gateway_says_failed(wechat, placed):
    _order, payment, _response = placed
    del wechat.transactions[payment.reference]

    event = WeChatPayProvider().payment_query(payment=payment)

    assert (event.kind, event.status) == (EventKind.FAILED, "ORDER_NOT_EXIST")


def test_closing_a_paid_payment_is_a_gateway_error(wechat, placed):
    _order, payment, _response = placed
    wechat.pay(payment.reference)

    with pytest.raises(GatewayError, match="ORDERPAID"):
        WeChatPayProvider().checkout_close(payment=payment)
