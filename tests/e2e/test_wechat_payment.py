"""A guest pays with WeChat Pay in a real browser: the shop shows a QR code, a "phone" scans and pays.

The phone is a second browser page on the stand-in's scan page (what scanning
the QR code's weixin:// link opens); paying there sends the signed, encrypted
notification to the live server, and the shop's QR page moves on by itself.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import Order, OutboundEmail
from payments.models import Payment, PaymentEvent
from tests.e2e.helpers import checkout_as_guest
from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory
from tests.helpers import run_tasks
from tests.payments.wechat.standin import WeChatPayStandIn

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wechat(settings, monkeypatch, live_server):
    """WeChat Pay's stand-in, sending its notifications to the live server."""
    settings.SITE_URL = live_server.url
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    with WeChatPayStandIn() as standin:
        standin.use_in(settings, monkeypatch)
        yield standin


def test_a_guest_scans_the_qr_code_pays_and_the_shop_page_moves_on_to_paid(page, wechat, live_server):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well")
    VariantFactory(product=product, sku="TEA-DW-100", price=Decimal("68.00"), stock=10)

    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    page.get_by_role("button", name="Check out").click()
    checkout_as_guest(page, payment_method="WeChat Pay")

    # The shop's own page shows the QR code of the Native payment and refreshes itself.
    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/pay/{payment.reference}/\?token="))
    qr_code = page.locator("img.qr-code")
    expect(qr_code).to_be_visible()
    assert qr_code.get_attribute("src").startswith("data:image/svg+xml")
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    assert payment.qr_code == f"weixin://wxpay/bizpayurl?pr={wechat.transaction(payment.reference).token}"
    assert wechat.transaction(payment.reference).total == 8000
    assert order.payment_status == Order.PaymentStatus.UNPAID

    # The shopper's phone opens what the QR code says and pays.
    phone = page.context.new_page()
    phone.goto(wechat.scan_url(payment.qr_code))
    expect(phone.locator(".amount")).to_have_text("¥80.00")
    expect(phone.locator("body")).to_contain_text(f"Maple & Pine order {order.number}")
    phone.get_by_role("button", name="Pay").click()
    expect(phone.locator("#result")).to_have_text("Payment successful")
    phone.close()

    # The notification arrived; the QR page moves on to the order page, which shows it paid.
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/\?token=[^&]+$"), timeout=20_000)
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment")

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert [status for _notification, status in wechat.deliveries] == [204]
    assert PaymentEvent.objects.get(kind="notification").verdict == PaymentEvent.Verdict.ACCEPTED
    paid_email = OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.PAID)
    assert (paid_email.to_email, paid_email.status) == ("lena@example.com", OutboundEmail.Status.QUEUED)
    run_tasks()
    paid_email.refresh_from_db()
    assert paid_email.status == OutboundEmail.Status.SENT
    assert [message.to for message in mail.outbox if message.subject == paid_email.subject] == [
        ["lena@example.com"]
    ]
