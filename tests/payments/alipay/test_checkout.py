"""Starting an Alipay payment: the signed cashier URL for desktop and phone, and a key that will not load.

The real python-alipay-sdk against the local stand-in (tests/payments/alipay/standin/).
"""

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from payments.models import Payment, PaymentEvent
from tests.payments.alipay.helpers import NOTIFY_PATH
from tests.payments.helpers import PHONE, latest_order, online_checkout

pytestmark = pytest.mark.django_db


def test_checkout_sends_the_shopper_to_the_signed_desktop_cashier(alipay_placed, alipay, settings):
    order, payment, response = alipay_placed

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


def test_the_cashier_shows_the_amount_with_pay_and_cancel_buttons(alipay_placed, alipay):
    _order, payment, _response = alipay_placed

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
