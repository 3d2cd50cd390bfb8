"""Product page: the chosen option's price, stock and photo; buy button in reach on a phone; no JS needed."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.services import product_image_create
from tests.factories import ProductFactory, VariantFactory, longjing_in_three_weights
from tests.images import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ADD_TO_CART = re.compile("Add to cart|加入购物车")
TEXTS = {
    "en-US": {"from": "From ¥349.00", "low": "Only 3 left", "in": "In stock", "notify": "Notify me"},
    "zh-CN": {"from": "¥349.00 起", "low": "仅剩 3 件", "in": "有货", "notify": "到货提醒"},
}


def longjing() -> dict:
    """Three weights (the dearest sold out), with a long story to scroll past."""
    return longjing_in_three_weights(
        name="西湖龙井 West Lake Longjing Green Tea (Organic)",
        description="Picked by hand before the Qingming festival. " * 40,
    )


def phone(browser, live_server, language: str, **options):
    return browser.new_context(base_url=live_server.url, locale=language, viewport=PHONE, **options)


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_choosing_an_option_shows_its_price_stock_and_photo_and_a_reload_keeps_it(
    browser, live_server, language
):
    variants = longjing()
    medium = variants["medium"]
    product_image_create(product=variants["product"], data=image_bytes(size=(60, 60)), filename="tin.jpg")
    own = product_image_create(
        product=variants["product"], data=image_bytes(size=(60, 60)), filename="100g.jpg", position=1
    )
    own.variant = medium
    own.save()
    context = phone(browser, live_server, language)
    page = context.new_page()
    page.goto("/products/longjing/")
    headline = page.locator(".product-info > .price-large")
    stock = page.locator(".product-info > .stock")
    expect(headline).to_have_text(TEXTS[language]["from"])
    expect(stock).to_be_hidden()

    page.locator(f"label[for=variant-{medium.pk}]").click()

    expect(headline).to_have_text("¥1,298.00")
    expect(stock).to_have_text(TEXTS[language]["low"])
    expect(page.locator(".buy-bar .price")).to_have_text("¥1,298.00")
    expect(page.locator("[data-product-photo] img")).to_have_attribute("src", own.thumbnail_large.url)
    expect(page).to_have_url(re.compile(rf"/products/longjing/\?variant={medium.pk}$"))
    page.locator(f"label[for=variant-{variants['small'].pk}]").click()
    expect(headline).to_have_text("¥349.00")
    expect(stock).to_have_text(TEXTS[language]["in"])
    page.locator(f"label[for=variant-{medium.pk}]").click()
    page.reload()
    expect(headline).to_have_text("¥1,298.00")
    expect(page.locator(f"#variant-{medium.pk}")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_on_a_phone_the_price_and_add_to_cart_are_on_the_first_screen_and_cover_nothing(
    browser, live_server, language
):
    variants = longjing()
    context = phone(browser, live_server, language)
    page = context.new_page()
    page.goto("/products/longjing/")
    button = page.get_by_role("button", name=ADD_TO_CART)
    price = page.locator(".buy-bar .price")

    button_box, price_box = button.bounding_box(), price.bounding_box()

    expect(price).to_have_text(TEXTS[language]["from"])
    assert 0 <= button_box["y"] <= button_box["y"] + button_box["height"] <= 844
    assert 0 <= price_box["y"] <= price_box["y"] + price_box["height"] <= 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last_line = page.locator(".footer-bottom p").bounding_box()
    assert last_line["y"] + last_line["height"] <= page.locator(".buy-bar").bounding_box()["y"]
    button.click()
    expect(page).to_have_url(re.compile("/cart/$"))
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line")).to_contain_text("Weight: 50 g")
    assert variants["small"].pk == int(page.locator(".cart-line").get_attribute("data-variant"))
    context.close()


@pytest.mark.parametrize(("language", "was"), [("en-US", "was"), ("zh-CN", "原价")])
def test_choosing_an_option_on_sale_shows_its_sale_price_with_the_price_struck_through(
    browser, live_server, language, was
):
    variants = longjing()
    medium = variants["medium"]
    medium.sale_price = Decimal("999.00")
    medium.save()
    context = phone(browser, live_server, language)
    page = context.new_page()
    page.goto("/products/longjing/")
    headline = page.locator(".product-info > .price-large")
    bar_price = page.locator(".buy-bar .price")

    page.locator(f"label[for=variant-{medium.pk}]").click()

    expect(headline).to_have_text(f"¥999.00 {was} ¥1,298.00")
    expect(headline.locator("del.price-was")).to_be_visible()
    expect(headline.locator("del .visually-hidden")).to_have_text(was)
    expect(bar_price).to_have_text(f"¥999.00 {was} ¥1,298.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(f"label[for=variant-{variants['small'].pk}]").click()
    expect(headline).to_have_text("¥349.00")
    expect(headline.locator("del")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_on_a_phone_a_sold_out_products_bar_leads_to_the_back_in_stock_form(browser, live_server, language):
    VariantFactory(
        product=ProductFactory(name="Yixing Teapot", slug="teapot"), price=Decimal("539.00"), stock=0
    )
    context = phone(browser, live_server, language)
    page = context.new_page()
    page.goto("/products/teapot/")

    expect(page.get_by_role("button", name=ADD_TO_CART)).to_be_hidden()
    page.locator(".buy-bar").get_by_role("link", name=TEXTS[language]["notify"]).click()

    expect(page.locator("#back-in-stock-email")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_on_a_wide_screen_the_buy_box_has_no_bar(page):
    longjing()

    page.goto("/products/longjing/")

    expect(page.locator(".buy-bar-summary")).to_be_hidden()
    assert page.locator(".buy-bar").evaluate("bar => getComputedStyle(bar).position") == "static"
    expect(page.get_by_role("button", name="Add to cart")).to_be_in_viewport()


def test_without_javascript_a_shared_link_shows_its_option_and_the_chosen_option_goes_into_the_cart(
    browser, live_server
):
    variants = longjing()
    medium, small = variants["medium"], variants["small"]
    context = phone(browser, live_server, "en-US", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/products/longjing/?variant={medium.pk}")
    expect(page.locator(".product-info > .price-large")).to_have_text("¥1,298.00")
    expect(page.locator(".product-info > .stock")).to_have_text("Only 3 left")
    expect(page.locator(f"#variant-{medium.pk}")).to_be_checked()

    page.locator(f"label[for=variant-{small.pk}]").click()
    page.locator(f"label[for=variant-{medium.pk}]").click()
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(re.compile("/cart/$"))
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line")).to_contain_text("Weight: 100 g")
    assert int(page.locator(".cart-line").get_attribute("data-variant")) == medium.pk
    context.close()
