"""Paying from inside WeChat and the Alipay app: the pages of the paths those browsers cannot take.

WeChat's browser refuses WeChat Pay's H5 and blocks Alipay's pages; the Alipay app cannot
open WeChat Pay. The stand-ins of both gateways run; the browser is told by its User-Agent.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from orders.models import Order, OrderEvent
from payments.models import Payment
from tests.factories import StaffUserFactory
from tests.helpers import staff_login
from tests.payments.helpers import latest_order, online_checkout, online_order
from tests.payments.user_agents import ALIPAY_ANDROID, ALIPAY_IOS, CHROME_DESKTOP, WECHAT_ANDROID, WECHAT_IOS

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_chinese(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    yield
    # A request in Chinese leaves Chinese active in this thread; later tests expect the default.
    translation.deactivate()


def _open_in_browser_url(order: Order) -> str:
    return reverse("payments:open_in_browser", args=[order.number]) + f"?token={order.access_token}"


# Alipay chosen inside WeChat


def test_alipay_chosen_inside_wechat_leads_to_the_way_out_and_starts_no_payment(
    client, alipay, variant, shipping
):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID

    response = online_checkout(client, variant=variant, shipping=shipping, method="alipay")

    order = latest_order()
    assert response.status_code == 302
    assert response["Location"] == _open_in_browser_url(order)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Open your order in your phone's browser to pay with Alipay" in html
    assert "Choose “Open in browser” (在浏览器打开)." in html
    assert f'value="http://testserver{order.get_access_url()}"' in html
    assert "js/copy_link.js" in html and "data-copy-button" in html
    assert Payment.objects.filter(order=order).count() == 0
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_the_way_out_page_is_in_chinese_for_a_chinese_shopper(client, alipay, variant, shipping, in_chinese):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_IOS
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    page = client.get(_open_in_browser_url(order))

    html = page.content.decode()
    assert page.status_code == 200
    assert "请在手机浏览器中打开订单，使用支付宝付款"  # noqa: RUF001 in html
    assert "点击本页面右上角的“…”菜单。" in html
    assert "选择“在浏览器打开”。" in html
    assert "复制链接" in html
    assert Payment.objects.filter(order=order).count() == 0


def test_paying_with_alipay_from_the_order_page_inside_wechat_leads_to_the_way_out(
    client, alipay, variant, shipping
):
    order, payment, _response = online_order(client, variant=variant, shipping=shipping, method="alipay")
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID

    response = client.post(reverse("payments:pay", args=[order.number]) + f"?token={order.access_token}")

    assert response.status_code == 302
    assert response["Location"] == _open_in_browser_url(order)
    assert list(order.payments.all()) == [payment]


def test_the_way_out_page_needs_the_order_token(client, alipay, variant, shipping):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    client.cookies.clear()

    page = client.get(reverse("payments:open_in_browser", args=[order.number]) + "?token=wrong")

    assert page.status_code == 404


def test_the_way_out_page_of_a_paid_order_offers_no_steps(client, alipay, variant, shipping):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    Order.objects.filter(pk=order.pk).update(payment_status=Order.PaymentStatus.PAID)

    page = client.get(_open_in_browser_url(order))

    html = page.content.decode()
    assert page.status_code == 200
    assert "This order needs no payment now." in html
    assert "data-copy-link" not in html


# WeChat Pay inside WeChat without an official account


def _payment_choices(client) -> str:
    return client.get(reverse("orders:checkout")).content.decode()


def test_checkout_inside_wechat_offers_wechat_pay_only_with_the_official_account(
    client, wechat, variant, shipping, settings
):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    client.defaults["HTTP_USER_AGENT"] = CHROME_DESKTOP
    on_desktop = _payment_choices(client)
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    inside_wechat = _payment_choices(client)
    settings.WECHAT_MP_APP_ID = "wx8888888888888888"
    settings.WECHAT_MP_APP_SECRET = "secret-of-the-official-account"
    with_the_account = _payment_choices(client)

    assert 'value="wechat"' in on_desktop
    assert 'value="wechat"' not in inside_wechat
    assert 'value="wechat"' in with_the_account


def test_wechat_pay_posted_from_inside_wechat_places_no_order(client, wechat, variant, shipping):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID

    response = online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    assert response.status_code == 400
    assert Order.objects.count() == 0
    assert Payment.objects.count() == 0


def test_order_page_inside_wechat_offers_no_wechat_pay_form(client, wechat, variant, shipping):
    order, _payment, _response = online_order(client, variant=variant, shipping=shipping, method="wechat")
    client.defaults["HTTP_USER_AGENT"] = WECHAT_IOS

    page = client.get(order.get_access_url())

    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("payments:pay", args=[order.number]) not in html
    assert "WeChat Pay cannot be paid inside WeChat's browser." in html
    client.defaults["HTTP_USER_AGENT"] = CHROME_DESKTOP
    assert reverse("payments:pay", args=[order.number]) in client.get(order.get_access_url()).content.decode()


def test_wechat_pay_started_from_inside_wechat_is_refused_with_a_message(client, wechat, variant, shipping):
    order, payment, _response = online_order(client, variant=variant, shipping=shipping, method="wechat")
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    pay_url = reverse("payments:pay", args=[order.number]) + f"?token={order.access_token}"

    response = client.post(pay_url, {"channel": "h5"}, follow=True)

    assert response.redirect_chain[0][0] == order.get_access_url()
    assert "WeChat Pay cannot be paid in this browser." in response.content.decode()
    assert list(order.payments.all()) == [payment]


# WeChat Pay inside the Alipay app


@pytest.mark.parametrize("user_agent", [ALIPAY_ANDROID, ALIPAY_IOS])
def test_wechat_pay_inside_the_alipay_app_shows_the_qr_code_with_the_hint(
    client, wechat, variant, shipping, user_agent
):
    client.defaults["HTTP_USER_AGENT"] = user_agent

    order, payment, response = online_order(client, variant=variant, shipping=shipping, method="wechat")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert payment.channel == "native"
    assert response["Location"] == (
        reverse("payments:qr", args=[order.number, payment.reference]) + f"?token={order.access_token}"
    )
    assert 'src="data:image/svg+xml' in html
    assert "Save the code and scan it in WeChat" in html


def test_the_qr_hint_is_in_chinese_and_not_shown_on_a_desktop(client, wechat, variant, shipping, in_chinese):
    client.defaults["HTTP_USER_AGENT"] = ALIPAY_ANDROID
    _order, _payment, response = online_order(client, variant=variant, shipping=shipping, method="wechat")

    in_app = client.get(response["Location"]).content.decode()
    client.defaults["HTTP_USER_AGENT"] = CHROME_DESKTOP
    on_desktop = client.get(response["Location"]).content.decode()

    assert "请保存二维码并在微信中扫码" in in_app
    assert "请保存二维码并在微信中扫码" not in on_desktop


# The admin dashboard


def _payments_staff(client) -> None:
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_order", "view_payment"]))
    staff_login(client, staff)


DASHBOARD_LINE = "WeChat Pay is not offered inside WeChat: set WECHAT_MP_APP_ID and WECHAT_MP_APP_SECRET"


def test_dashboard_says_why_wechat_pay_is_missing_inside_wechat(client, wechat):
    _payments_staff(client)

    html = client.get(reverse("admin:index")).content.decode()

    assert DASHBOARD_LINE in html


def test_dashboard_says_nothing_once_the_official_account_is_set(client, wechat, settings):
    settings.WECHAT_MP_APP_ID = "wx8888888888888888"
    settings.WECHAT_MP_APP_SECRET = "secret-of-the-official-account"
    _payments_staff(client)

    html = client.get(reverse("admin:index")).content.decode()

    assert DASHBOARD_LINE not in html


def test_dashboard_says_nothing_without_a_wechat_pay_merchant(client, alipay):
    _payments_staff(client)

    html = client.get(reverse("admin:index")).content.decode()

    assert DASHBOARD_LINE not in html


# Paying with WeChat Pay instead, once it can be paid inside WeChat


@pytest.fixture
def wechat_pay_inside_wechat(settings, alipay, wechat):
    """Alipay and WeChat Pay with JSAPI and its official account: WeChat Pay is payable inside WeChat."""
    settings.PAYMENT_GATEWAYS = [
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]
    settings.WECHAT_MP_APP_ID = "wx8888888888888888"
    settings.WECHAT_MP_APP_SECRET = "secret-of-the-official-account"


def _pay_instead_url(order: Order) -> str:
    return reverse("payments:pay_instead", args=[order.number]) + f"?token={order.access_token}"


def test_the_way_out_page_offers_wechat_pay_when_it_can_be_paid_inside_wechat(
    client, wechat_pay_inside_wechat, variant, shipping
):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    page = client.get(_open_in_browser_url(order))

    html = page.content.decode()
    assert "Pay with WeChat Pay instead" in html
    assert f'action="{_pay_instead_url(order)}"' in html
    assert 'name="gateway" value="wechat"' in html


def test_the_way_out_page_offers_no_wechat_pay_without_the_official_account(
    client, alipay, wechat, variant, shipping, settings
):
    settings.PAYMENT_GATEWAYS = [
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    html = client.get(_open_in_browser_url(order)).content.decode()

    assert "Pay with WeChat Pay instead" not in html
    assert "pay-instead" not in html


def test_paying_with_wechat_pay_instead_changes_the_method_and_starts_its_inside_wechat_channel(
    client, wechat_pay_inside_wechat, variant, shipping, settings
):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    response = client.post(_pay_instead_url(order), {"gateway": "wechat"})

    order.refresh_from_db()
    event = order.events.get(kind=OrderEvent.Kind.PAYMENT_METHOD)
    assert order.payment_method == "wechat"
    assert (event.from_state, event.to_state) == ("alipay", "wechat")
    # JSAPI first learns who pays: off to WeChat's silent authorisation, nothing charged yet.
    assert response.status_code == 302
    assert response["Location"].startswith(f"{settings.WECHAT_OAUTH_BASE_URL}/connect/oauth2/authorize?")
    assert not order.payments.exists()


def test_paying_instead_with_a_method_not_payable_inside_wechat_changes_nothing(
    client, alipay, wechat, variant, shipping, settings
):
    settings.PAYMENT_GATEWAYS = [
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    response = client.post(_pay_instead_url(order), {"gateway": "wechat"}, follow=True)

    order.refresh_from_db()
    assert order.payment_method == "alipay"
    assert "This order cannot be paid that way here." in response.content.decode()
    assert not order.events.filter(kind=OrderEvent.Kind.PAYMENT_METHOD).exists()
    assert Payment.objects.filter(order=order).count() == 0


@pytest.mark.parametrize("gateway", ["bank_transfer", "cod", "nonsense"])
def test_paying_instead_offline_or_with_an_unknown_method_is_refused(
    client, wechat_pay_inside_wechat, variant, shipping, gateway
):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    response = client.post(_pay_instead_url(order), {"gateway": gateway})

    order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == order.get_access_url()
    assert order.payment_method == "alipay"


def test_a_paid_order_is_not_paid_instead(client, wechat_pay_inside_wechat, variant, shipping):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()
    Order.objects.filter(pk=order.pk).update(payment_status=Order.PaymentStatus.PAID)

    response = client.post(_pay_instead_url(order), {"gateway": "wechat"}, follow=True)

    order.refresh_from_db()
    assert order.payment_method == "alipay"
    assert "This order has already been paid." in response.content.decode()


def test_the_way_out_page_prefers_the_gateway_paid_inside_wechat_over_a_card(
    client, wechat_pay_inside_wechat, variant, shipping, settings
):
    settings.PAYMENT_GATEWAYS = [
        "payments.providers.stripe.StripeProvider",
        *settings.PAYMENT_GATEWAYS,
    ]
    settings.STRIPE_SECRET_KEY = "sk_test_instead"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_instead"
    client.defaults["HTTP_USER_AGENT"] = WECHAT_ANDROID
    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    order = latest_order()

    html = client.get(_open_in_browser_url(order)).content.decode()

    assert 'name="gateway" value="wechat"' in html
    assert 'value="stripe"' not in html
