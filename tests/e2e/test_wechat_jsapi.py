"""A guest pays with WeChat Pay inside WeChat's browser (JSAPI), end to end in Chromium.

The browser says it is WeChat (its User-Agent) and gets a WeixinJSBridge stand-in
injected into every page, which arrives late as WeChat's does (announced by
``WeixinJSBridgeReady``). Its ``getBrandWCPayRequest`` asks the WeChat Pay stand-in
to check the page's paySign, pay the prepay order and send its notification to the
live server. The silent OAuth (authorise, code exchange) runs against the stand-in.

The payment path chosen for WeChat's browser is decided elsewhere; this test starts
the JSAPI payment by posting ``channel=jsapi`` from the order page's form.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import Order, OutboundEmail
from payments.models import Payment
from tests.e2e.helpers import checkout_as_guest
from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory
from tests.helpers import run_tasks
from tests.payments.wechat.standin import WeChatPayStandIn

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WECHAT_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003130) NetType/WIFI Language/en"
)
# WeChat's bridge, as the stand-in plays it: it appears only when the test says so.
BRIDGE = """
window.__bridgeArrives = function () {
  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      window.standinBridge(name, params).then(function (answer) { callback({err_msg: answer}); });
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
};
"""


@pytest.fixture
def wechat(settings, monkeypatch, live_server):
    """WeChat Pay's stand-in with the official account, notifying the live server."""
    settings.SITE_URL = live_server.url
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    with WeChatPayStandIn() as standin:
        standin.use_in(settings, monkeypatch)
        standin.use_official_account_in(settings)
        yield standin


@pytest.fixture
def wechat_page(browser, live_server, wechat):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        user_agent=WECHAT_BROWSER,
        viewport={"width": 390, "height": 844},
    )
    context.add_init_script(BRIDGE)
    bridged: list[tuple[str, dict]] = []

    def standin_bridge(name: str, params: dict) -> str:
        bridged.append((name, params))
        if name != "getBrandWCPayRequest":
            return "unknown:fail"
        # Paid in WeChat; its notification is sent when the test says, after the page has moved on.
        return wechat.bridge_pay(params, notify=False)

    context.expose_function("standinBridge", standin_bridge)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.bridged = bridged
    yield page
    context.close()


def test_a_guest_in_wechat_pays_through_the_bridge_and_the_order_is_paid_by_the_notification(
    wechat_page, wechat
):
    page = wechat_page
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well")
    VariantFactory(product=product, sku="TEA-DW-100", price=Decimal("68.00"), stock=10)
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Check out").click()
    checkout_as_guest(page, payment_method="WeChat Pay")

    # WeChat's browser pays through JSAPI (payments.browsers): the silent OAuth runs and comes
    # back to the order page, which holds the prepaid attempt.
    expect(page).to_have_url(re.compile(r"/orders/MP[A-Z0-9]+/\?token=[^&]+$"))
    order = Order.objects.get()
    assert order.number in page.url
    button = page.locator("#wechat-pay-button")
    expect(button).to_be_disabled()
    expect(page.locator("#wechat-pay-outside")).to_be_visible()

    # WeChat's bridge arrives late; the button comes alive and pays.
    page.evaluate("window.__bridgeArrives()")
    expect(button).to_be_enabled()
    button.click()

    payment = Payment.objects.get(order=order, channel="jsapi")
    # The bridge said "ok": the page only waits for WeChat Pay's word; the order is not paid by it.
    expect(page.locator("[role=status]")).to_contain_text("We are waiting for WeChat Pay to confirm")
    assert Order.objects.get(pk=order.pk).payment_status == Order.PaymentStatus.UNPAID
    [notification] = wechat.held_notifications
    assert wechat.deliver(notification) == 204
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment", timeout=20_000)
    [(name, params)] = page.bridged
    assert name == "getBrandWCPayRequest"
    assert params["package"] == f"prepay_id={payment.gateway_reference}"
    assert wechat.pay_sign_valid(params)
    assert wechat.transaction(payment.reference).request["payer"] == {"openid": wechat.openid}
    assert [status for _notification, status in wechat.deliveries] == [204]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    paid_email = OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID)
    run_tasks()
    paid_email.refresh_from_db()
    assert paid_email.status == OutboundEmail.Status.SENT
    assert [message.to for message in mail.outbox if message.subject == paid_email.subject] == [
        ["lena@example.com"]
    ]
