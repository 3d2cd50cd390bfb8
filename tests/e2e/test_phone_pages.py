"""Shopper pages on a phone: the checkout total follows the shipping, the cart fits, products first."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ProductFactory, ShippingMethodFactory, VariantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_total_shown_follows_the_chosen_shipping_method(page):
    ShippingMethodFactory(
        code="standard", name="Standard", price=Decimal("12.00"), free_above=None, position=0
    )
    ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), free_above=None, position=1)
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well")
    VariantFactory(product=product, price=Decimal("68.00"), stock=10)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    standard = page.locator(".checkout-total", has_text="Total with Standard shipping")
    express = page.locator(".checkout-total", has_text="Total with Express shipping")

    expect(standard).to_be_visible()
    expect(standard).to_contain_text("¥80.00")
    expect(express).to_be_hidden()
    page.get_by_label("Express: ¥25.00").check()

    expect(express).to_be_visible()
    expect(express).to_contain_text("¥93.00")
    expect(standard).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_a_cart_with_two_lines_fits_a_phone(browser, live_server, language):
    for slug, name in (("linen-shirt", "Linen Shirt With A Rather Long Name"), ("tea-cup", "Tea Cup")):
        VariantFactory(product=ProductFactory(name=name, slug=slug), price=Decimal("1298.00"), stock=10)
    context = browser.new_context(
        base_url=live_server.url, locale=language, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    for slug in ("linen-shirt", "tea-cup"):
        page.goto(f"/products/{slug}/")
        page.get_by_role("button", name=re.compile("Add to cart|加入购物车")).click()

    page.goto("/cart/")

    expect(page.locator(".cart-line")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_on_a_phone_a_categorys_products_come_before_its_filters(browser, live_server, language):
    tea = CategoryFactory(name="Tea", slug="tea")
    for number in range(6):
        CategoryFactory(name=f"Tea kind number {number}", slug=f"tea-{number}", parent=tea)
    VariantFactory(product=ProductFactory(name="Dragon Well", category=tea), stock=5)
    context = browser.new_context(
        base_url=live_server.url, locale=language, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()

    page.goto("/category/tea/")

    first_card = page.locator(".product-card").first.bounding_box()
    filters = page.locator("#filters").bounding_box()
    assert first_card["y"] < min(844, filters["y"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_quantity_typed_in_the_cart_counts_when_checking_out_without_update(page):
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well")
    VariantFactory(product=product, price=Decimal("68.00"), stock=10)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")

    page.get_by_label("Quantity of Dragon Well Green Tea").fill("3")
    page.get_by_role("button", name="Check out").click()

    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.locator(".checkout-lines")).to_contain_text("3 \N{MULTIPLICATION SIGN}")
    expect(page.locator(".checkout-summary")).to_contain_text("¥204.00")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_on_a_phone_the_home_page_shows_products_in_the_first_screen(browser, live_server, language):
    for number in range(6):
        parent = CategoryFactory(name=f"Department number {number}", slug=f"department-{number}")
        for child in range(3):
            CategoryFactory(name=f"Kind {child}", slug=f"kind-{number}-{child}", parent=parent)
        VariantFactory(product=ProductFactory(category=parent, is_featured=True), stock=5)
    context = browser.new_context(
        base_url=live_server.url, locale=language, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()

    page.goto("/")

    assert page.locator(".product-card").first.bounding_box()["y"] < 844
    expect(page.locator(".category-nav")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
