"""On a phone a shopper applies a coupon code in the cart and sees the discounted total up to checkout."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.helpers import GUEST_DETAILS, GUEST_DIVISIONS, checkout_as_guest, divisions_choose
from tests.factories import (
    CouponFactory,
    ProductFactory,
    PromotionFactory,
    ShippingMethodFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

WORDS = {
    "en-US": {
        "coupon code": "Coupon code",
        "apply": "Apply",
        "check out": "Check out",
        "applied": "The code “SAVE10” is applied: ¥18.60 off.",
        "hint": "Add ¥294.01 more for ¥60.00 off",
        "coupon line": "Coupon code SAVE10",
    },
    "zh-CN": {
        "coupon code": "优惠码",
        "apply": "使用",
        "check out": "去结算",
        "applied": "已使用优惠码“SAVE10”：立减 ¥18.60。",  # noqa: RUF001
        "hint": "再买 ¥294.01，立减 ¥60.00",  # noqa: RUF001
        "coupon line": "优惠码 SAVE10",
    },
}


def _shop() -> None:
    # ¥205.99 of goods would ship free from ¥199.00; after ¥38.60 of discounts it does not.
    ShippingMethodFactory(
        code="standard", name="Standard", price=Decimal("12.00"), free_above=Decimal("199.00")
    )
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    for slug, price in (("dragon-well", "149.00"), ("tea-cup", "56.99")):
        VariantFactory(product=ProductFactory(slug=slug), price=Decimal(price), stock=10)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_a_code_applied_in_the_cart_shows_the_discounted_total_in_the_cart_and_at_checkout(
    browser, live_server, language
):
    words = WORDS[language]
    _shop()
    context = browser.new_context(
        base_url=live_server.url, locale=language, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    for slug in ("dragon-well", "tea-cup"):
        page.goto(f"/products/{slug}/")
        page.get_by_role("button", name=re.compile("Add to cart|加入购物车")).click()
    page.goto("/cart/")

    page.get_by_label(words["coupon code"]).fill(" save10 ")
    page.get_by_role("button", name=words["apply"], exact=True).click()

    expect(page.locator(".messages")).to_contain_text(words["applied"])
    totals = page.locator(".cart-totals")
    expect(totals).to_contain_text("Holiday")
    expect(totals).to_contain_text("\N{MINUS SIGN}¥20.00")
    expect(totals).to_contain_text(words["coupon line"])
    expect(totals).to_contain_text("\N{MINUS SIGN}¥18.60")
    expect(page.locator(".goods-total")).to_have_text("¥167.39")
    expect(page.locator(".cart-total")).to_have_text("¥179.39")
    expect(page.locator(".cart-tier-hint")).to_contain_text(words["hint"])
    _no_sideways_scroll(page)

    page.get_by_role("button", name=words["check out"]).click()

    expect(page).to_have_url(re.compile(r"/checkout/$"))
    summary = page.locator(".checkout-summary")
    expect(summary).to_contain_text(words["coupon line"])
    expect(summary).to_contain_text("\N{MINUS SIGN}¥18.60")
    expect(summary.locator(".goods-total")).to_have_text("¥167.39")
    expect(summary.locator(".checkout-total:visible")).to_contain_text("¥179.39")
    _no_sideways_scroll(page)
    context.close()


def test_a_shopper_applies_a_code_in_the_cart_and_pays_the_discounted_total(page, alipay):
    _shop()
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/products/tea-cup/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")
    page.get_by_label("Coupon code").fill("SAVE10")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator(".cart-total")).to_have_text("¥179.39")
    page.get_by_role("button", name="Check out").click()

    checkout_as_guest(page, payment_method="Alipay", email="mei@example.com", full_name="Wang Mei")

    # The gateway is asked for the discounted total: ¥205.99 - ¥20.00 - ¥18.60 + ¥12.00 shipping.
    expect(page.locator("#amount")).to_have_text("¥179.39")
    page.get_by_role("button", name="Pay").click()
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment")
    order = Order.objects.get()
    assert (order.discount_total, order.grand_total) == (Decimal("38.60"), Decimal("179.39"))
    assert order.payments.get().amount == Decimal("179.39")
    assert sorted(order.discounts.values_list("label", "amount")) == [
        ("Holiday", Decimal("20.00")),
        ("SAVE10", Decimal("18.60")),
    ]


def _fill_checkout(page) -> None:
    divisions_choose(page, *GUEST_DIVISIONS)
    for name, value in {**GUEST_DETAILS, "email": "mei@example.com"}.items():
        page.locator(f"#id_{name}").fill(value)
    page.get_by_label("Cash on delivery").check()


def test_enter_in_the_checkout_code_field_applies_the_code_and_places_nothing(page):
    _shop()
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    _fill_checkout(page)

    page.get_by_label("Coupon code").fill("save10")
    page.get_by_label("Coupon code").press("Enter")

    expect(page.locator(".messages")).to_contain_text("The code “SAVE10” is applied")
    expect(page.locator(".checkout-summary")).to_contain_text("Coupon code SAVE10")
    expect(page.locator("#id_full_name")).to_have_value(GUEST_DETAILS["full_name"])
    assert not Order.objects.exists()


def test_a_code_typed_at_checkout_goes_with_the_order_when_place_order_is_pressed(page):
    _shop()
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    _fill_checkout(page)

    page.get_by_label("Coupon code").fill("SAVE10")
    page.get_by_role("button", name="Place order").click()

    expect(page.locator(".order-status")).to_be_visible()
    expect(page.locator("main")).to_contain_text("SAVE10")
    order = Order.objects.get()
    # ¥149.00 - ¥14.90 (10%) = ¥134.10 of goods, under ¥199: ¥12.00 shipping.
    assert (order.discount_total, order.grand_total) == (Decimal("14.90"), Decimal("146.10"))
