"""In a browser, switching language at checkout keeps the details typed so far."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_switching_to_chinese_at_checkout_keeps_what_was_typed(page):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    VariantFactory(product=ProductFactory(name="Dragon Well", slug="dragon-well"), stock=5)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    page.locator("#id_email").fill("mei@example.com")
    page.get_by_label("Full name").fill("王美")
    page.get_by_label("Note for us").fill("请在工作日送货")

    page.get_by_role("button", name="简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="结算", exact=True)).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("mei@example.com")
    expect(page.locator("input[name=full_name]")).to_have_value("王美")
    expect(page.locator("textarea[name=note]")).to_have_value("请在工作日送货")
