"""Starting a WeChat Pay payment: a Native QR code on a desktop, the H5 page on a phone, signed both ways.

The real wechatpayv3 SDK against the local stand-in (tests/payments/wechat/standin/), which
checks the shop's request signatures and signs its answers with a platform key made per test.
"""

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import polib
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from django.utils import translation

from orders.models import Order
from payments.models import Payment, PaymentEvent
from tests.payments.helpers import PHONE, latest_order, online_checkout
from tests.payments.standin_rsa import private_pem

pytestmark = pytest.mark.django_db


def test_desktop_checkout_creates_a_native_payment_and_shows_its_qr_code(client, wechat, wechat_placed):
    order, payment, response = wechat_placed

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


def test_pay_button_reuses_the_open_qr_code(client, wechat, wechat_placed):
    order, payment, _response = wechat_placed

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
