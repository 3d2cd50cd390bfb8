"""The whole purchase in a real browser: a guest buys, staff get paid and ship, emails go out."""

import os
import re
from binascii import unhexlify
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from catalog.demo import demo_catalog_seed
from orders.models import Order, OutboundEmail
from tests.e2e.helpers import checkout_as_guest
from tests.factories import (
    CarrierFactory,
    CategoryFactory,
    ProductFactory,
    ShippingMethodFactory,
    StaffUserFactory,
    VariantFactory,
)
from tests.helpers import run_tasks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(django_settings.BASE_DIR) / "docs" / "storefront.png"
STAFF_PASSWORD = "correct-horse-battery"


@pytest.fixture
def shop(settings):
    """Shipping and bank details; the catalogue comes in the test, after the optional screenshot."""
    settings.SHOP_BANK_ACCOUNT_NAME = "Maple & Pine Ltd"
    settings.SHOP_BANK_NAME = "Demo Bank"
    settings.SHOP_BANK_ACCOUNT_NUMBER = "6222 0000 1111 2222"
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    CarrierFactory()


def _catalogue() -> None:
    tea = CategoryFactory(name="Green Tea", slug="e2e-green-tea")
    wanted = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well", category=tea, is_featured=True)
    VariantFactory(product=wanted, sku="TEA-DW-100", price=Decimal("68.00"), stock=10)
    other = ProductFactory(name="Jasmine Pearls", category=tea, is_featured=True)
    VariantFactory(product=other, price=Decimal("88.00"), stock=20)


def _save_storefront_screenshot(page, settings) -> None:
    """The home page of the demo catalogue (seed_demo), pictures included, at 1280x900, for the README."""
    demo_catalog_seed(products=80)
    media_root = Path(settings.MEDIA_ROOT)

    # The live server's media view was bound to the configured MEDIA_ROOT at import;
    # this test's pictures live in its own folder, so the browser gets them from there.
    def serve_media(route) -> None:
        path = (
            media_root / unquote(urlsplit(route.request.url).path).removeprefix(settings.MEDIA_URL)
        ).resolve()
        if media_root.resolve() in path.parents and path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404)

    page.route(f"**{settings.MEDIA_URL}**", serve_media)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.wait_for_load_state("networkidle")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.unroute(f"**{settings.MEDIA_URL}**")


def test_a_guest_buys_two_and_staff_mark_it_paid_and_ship_it(page, live_server, shop, settings):
    # The storefront home page, saved for the README when asked.
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        _save_storefront_screenshot(page, settings)
    _catalogue()
    page.goto("/")
    expect(page.get_by_role("link", name="Dragon Well Green Tea").first).to_be_visible()

    # A guest finds the product with the search box, opens it and adds two to the cart.
    page.get_by_role("searchbox", name="Search products").fill("dragon well")
    page.get_by_role("searchbox", name="Search products").press("Enter")
    page.get_by_role("link", name="Dragon Well Green Tea").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dragon Well Green Tea")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator(".cart-line input[name^=quantity]").first).to_have_value("2")

    # Checkout: the confirmation page shows the order number.
    page.get_by_role("button", name="Check out").click()
    checkout_as_guest(page, payment_method="Bank transfer")
    expect(page).to_have_url(re.compile(r"/orders/MP[A-Z0-9]+/\?token="))
    order = Order.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)
    assert (order.grand_total, order.lines.get().quantity) == (Decimal("148.00"), 2)

    # The worker sends the confirmation.
    run_tasks()
    confirmation = [message for message in mail.outbox if message.to == ["lena@example.com"]]
    assert len(confirmation) == 1
    assert order.number in confirmation[0].subject

    # Staff sign in through the admin login page, then give the code from their authenticator app.
    staff = StaffUserFactory(email="clerk@example.com")
    device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/"))
    page.locator("#id_code").fill(f"{totp(unhexlify(device.key)):06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".shop-dashboard")).to_be_visible()

    # From the dashboard's "waiting for payment" queue to the order page; mark it paid.
    page.locator(".shop-dashboard a[href*='status=pending_payment']").click()
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("link", name="Mark as paid…").click()
    expect(page.locator("#content-main")).to_contain_text("Record that the payment for order")
    page.get_by_role("button", name="Mark as paid").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Order {order.number} is marked as paid.")

    # Ship it with carrier and tracking number.
    page.get_by_label("Carrier").select_option(label="SF Express")
    page.get_by_label("Tracking number").fill("SF1234567890")
    page.get_by_role("button", name="Ship", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("tracking number SF1234567890")

    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == ("paid", "shipped")
    assert list(order.events.values_list("kind", "actor__email")) == [
        ("placed", None),
        ("paid", "clerk@example.com"),
        ("shipped", "clerk@example.com"),
    ]

    # The worker sends the payment and shipping emails; the shipped one carries the tracking number.
    run_tasks()
    shipped = OutboundEmail.objects.get(order=order, kind=OutboundEmail.Kind.SHIPPED)
    assert shipped.status == OutboundEmail.Status.SENT
    shipped_mail = [message for message in mail.outbox if message.subject == shipped.subject]
    assert len(shipped_mail) == 1
    assert shipped_mail[0].to == ["lena@example.com"]
    assert "SF1234567890" in shipped_mail[0].body
