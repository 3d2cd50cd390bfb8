"""No shopper page scrolls sideways on a 390 px phone, in English or in Chinese.

Each case opens one page in the state a shopper sees it, with long English and Chinese
names, two-line and Chinese addresses and several orders, and checks that the document is
no wider than the screen. A failure names the page and the language, and lists the elements
that stick out past the right edge with their widths.

With SHOTS_DIR set, each case also saves a full-page screenshot there (<language>-<page>.png).
"""

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from orders.models import Order
from shop.models import User
from tests.e2e.helpers import divisions_choose
from tests.factories import (
    CategoryFactory,
    CouponFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    PromotionFactory,
    ShippingMethodFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

LONG_ENGLISH_NAME = "Hand-Rolled Organic Dragon Well Green Tea, Spring Harvest Gift Tin"
LONG_CHINESE_NAME = "明前特级西湖龙井绿茶礼盒装（手工炒制，狮峰山核心产区，250克）"  # noqa: RUF001
VARIANT_PRODUCT_NAME = "Yunnan Aged Pu-erh Tea Cake 云南普洱老茶饼"
LONG_PROMOTION_NAME = "Mid-Autumn Festival Spend-and-Save Celebration 中秋佳节满减狂欢，全场茶叶茶具满额立减"  # noqa: RUF001
LONGEST_CODE = "MIDAUTUMN-2026-LONGJING-GIFT-TIN-SPECIAL"  # 40 characters, the most a code has

# A guest with a long Chinese name and a two-line mainland address.
# Chosen, not typed: the province, city and district lists of a mainland address.
GUEST_DIVISIONS = ("浙江省", "杭州市", "西湖区")
GUEST = {
    "email": "ouyang.mingyue.shopping@example.com.cn",
    "full_name": "欧阳明月 (Ouyang Mingyue)",
    "phone": "+86 138 0013 8000",
    "postal_code": "310012",
    "address_line1": "西湖区文三路 100 号华星科技大厦 12 楼 1203 室",
    "address_line2": "请放在前台，周末请联系物业中心代收",  # noqa: RUF001
}

# Every element that reaches past the right edge of the screen and that no scrolling or
# clipping box around it contains: what makes the page scroll sideways.
OFFENDERS_JS = """
() => {
  const limit = document.documentElement.clientWidth;
  const contained = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (element) =>
    element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + [...element.classList].map((cls) => "." + cls).join("");
  const path = (element) => {
    const parts = [];
    for (let node = element; node && node !== document.body && parts.length < 3; node = node.parentElement) {
      parts.unshift(name(node));
    }
    return parts.join(" > ");
  };
  const lines = [...document.body.querySelectorAll("*")]
    .filter((element) => element.getBoundingClientRect().right > limit + 0.5 && !contained(element))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return `${path(element)}: ${Math.round(box.width)} px wide, right edge at ${Math.round(box.right)} px`;
    });
  return [...new Set(lines)];
}
"""


@dataclass
class Shop:
    """What the page openers need: the customer with an address and six orders, one of them shipped."""

    customer: User
    shipped_order: Order


@pytest.fixture
def shop(settings) -> Shop:
    settings.SHOP_BANK_ACCOUNT_NAME = "Maple & Pine Trading (Hangzhou) Co., Ltd."
    settings.SHOP_BANK_NAME = "Industrial and Commercial Bank of China, Hangzhou Wensan Road Branch"
    settings.SHOP_BANK_ACCOUNT_NUMBER = "6222 0212 0300 4567 890"
    ShippingMethodFactory(
        code="standard", name="Standard", price=Decimal("12.00"), free_above=Decimal("199.00"), position=0
    )
    ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), free_above=None, position=1)

    tea = CategoryFactory(name="Chinese Tea 中国名茶", slug="chinese-tea", description="Teas from China.")
    green = CategoryFactory(name="Green Tea & Spring Harvest Specials 绿茶", slug="green-tea", parent=tea)
    CategoryFactory(name="Oolong and Rock Tea from Wuyi Mountains", slug="oolong", parent=tea)
    english = ProductFactory(
        name=LONG_ENGLISH_NAME, slug="dragon-well-gift-tin", category=green, is_featured=True
    )
    VariantFactory(product=english, sku="TEA-DRAGONWELL-SPRING-GIFT-250G", price=Decimal("1298.00"), stock=30)
    chinese = ProductFactory(
        name=LONG_CHINESE_NAME, slug="longjing-gift-box", category=green, is_featured=True
    )
    VariantFactory(product=chinese, sku="TEA-LJ-MQ-250", price=Decimal("1680.00"), stock=30)
    puerh = ProductFactory(
        name=VARIANT_PRODUCT_NAME,
        slug="aged-puerh-cake",
        category=tea,
        description="Pressed in 2012 in Menghai, Xishuangbanna. 2012 年勐海压制，干仓存放。",  # noqa: RUF001
    )
    for sku, options, price, stock in (
        ("PUERH-2012-100G", {"Weight": "100 g", "Vintage": "2012"}, "349.00", 20),
        ("PUERH-2012-357G", {"Weight": "357 g (a whole cake)", "Vintage": "2012"}, "649.00", 3),
        ("PUERH-2008-357G", {"Weight": "357 g (a whole cake)", "Vintage": "2008"}, "1299.00", 0),
    ):
        VariantFactory(product=puerh, sku=sku, options=options, price=Decimal(price), stock=stock)

    customer = UserFactory(
        email="alexandra.montgomery-fitzgerald@example.com",
        full_name="Alexandra Montgomery-Fitzgerald",
        phone="+852 9123 4567",
        country="HK",
        province="Hong Kong Island",
        city="Quarry Bay",
        address_line1="Flat 12B, Tower 3, Harbour View Gardens",
        address_line2="18 Taikoo Wan Road, opposite the MTR exit",
        email_verified_at=timezone.now(),
    )
    whole_cake = puerh.variants.get(sku="PUERH-2012-357G")
    lines = ((english.variants.get(), 1), (chinese.variants.get(), 1), (whole_cake, 2))
    statuses = (
        {},
        {"payment_status": "paid"},
        {
            "payment_status": "paid",
            "fulfilment_status": "shipped",
            "carrier": "SF Express",
            "tracking_number": "SF1234567890123",
        },
        {"payment_status": "paid", "fulfilment_status": "delivered"},
        {"cancelled_at": timezone.now()},
        {"payment_status": "refunded", "cancelled_at": timezone.now()},
    )
    orders = []
    for days_ago, status in enumerate(statuses):
        order = OrderFactory(
            user=customer,
            email=customer.email,
            full_name="慕容雪晴 (Murong Xueqing)",
            **{key: value for key, value in GUEST.items() if key not in ("email", "full_name")},
            **dict(zip(("province", "city", "district"), GUEST_DIVISIONS, strict=True)),
            province_code="33",
            city_code="3301",
            district_code="330106",
            subtotal=Decimal("4276.00"),
            shipping_total=Decimal("0.00"),
            grand_total=Decimal("4276.00"),
            **status,
        )
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago * 9))
        for variant, quantity in lines:
            OrderLineFactory(
                order=order, variant=variant, quantity=quantity, options_label=variant.options_label
            )
        orders.append(order)
    return Shop(customer=customer, shipped_order=orders[2])


def _sign_in(page, user) -> None:
    """Give the browser the session of ``user`` signed in (the page must be open on the shop)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.url}])


def _fill_cart(page) -> None:
    for slug in ("dragon-well-gift-tin", "longjing-gift-box"):
        page.goto(f"/products/{slug}/")
        page.locator(".add-to-cart button[type=submit]").click()
        page.wait_for_url("**/cart/")


def _place_guest_order(page, payment_method: str) -> None:
    _fill_cart(page)
    page.goto("/checkout/")
    divisions_choose(page, *GUEST_DIVISIONS)
    for name, value in GUEST.items():
        page.locator(f"#id_{name}").fill(value)
    page.locator(f"input[name=payment_method][value={payment_method}]").check()
    page.locator(".checkout-summary .button-large").click()
    page.wait_for_url("**/orders/MP*/?token=*")


def home(page, shop: Shop) -> None:
    page.goto("/")


def product_list(page, shop: Shop) -> None:
    page.goto("/products/")


def search_results(page, shop: Shop) -> None:
    word = "龙井" if page.evaluate("navigator.language").startswith("zh") else "dragon well"
    page.goto(f"/products/?q={word}")
    page.locator(".product-card").first.wait_for()


def category(page, shop: Shop) -> None:
    page.goto("/category/green-tea/")


def product_with_variants(page, shop: Shop) -> None:
    page.goto("/products/aged-puerh-cake/")


def cart_with_two_lines(page, shop: Shop) -> None:
    _fill_cart(page)


def _discounts(page) -> None:
    """A spend-and-save promotion with a long name and a coupon with the longest code, applied."""
    PromotionFactory(name=LONG_PROMOTION_NAME, tiers=[("1000.00", "100.00"), ("5000.00", "300.00")])
    CouponFactory(code=LONGEST_CODE, value=Decimal("5.00"))
    _fill_cart(page)
    page.locator("input[name=code]").fill(LONGEST_CODE)
    page.locator(".coupon-form button[type=submit]").click()
    page.locator(".discount-coupon").wait_for()


def cart_with_discounts(page, shop: Shop) -> None:
    _discounts(page)


def checkout_with_discounts(page, shop: Shop) -> None:
    _discounts(page)
    page.goto("/checkout/")


def checkout_partly_filled(page, shop: Shop) -> None:
    _fill_cart(page)
    page.goto("/checkout/")
    page.locator("#id_province_code").select_option(label=GUEST_DIVISIONS[0])
    for name in ("email", "full_name", "address_line1"):
        page.locator(f"#id_{name}").fill(GUEST[name])


def checkout_errors_after_empty_submit(page, shop: Shop) -> None:
    _fill_cart(page)
    page.goto("/checkout/")
    page.locator(".checkout-summary .button-large").click()
    page.locator(".field-invalid").first.wait_for()


def guest_order_bank_transfer(page, shop: Shop) -> None:
    _place_guest_order(page, "bank_transfer")


def guest_order_cash_on_delivery(page, shop: Shop) -> None:
    _place_guest_order(page, "cod")


def support(page, shop: Shop) -> None:
    page.goto("/support/")


def sign_in(page, shop: Shop) -> None:
    page.goto("/account/login/")


def sign_up(page, shop: Shop) -> None:
    page.goto("/account/signup/")


def password_reset(page, shop: Shop) -> None:
    page.goto("/account/password/reset/")


def _account_page(path: str):
    def open_signed_in(page, shop: Shop) -> None:
        page.goto("/")
        _sign_in(page, shop.customer)
        page.goto(path)

    return open_signed_in


def account_order(page, shop: Shop) -> None:
    _account_page(shop.shipped_order.get_absolute_url())(page, shop)


def wishlist_with_long_names(page, shop: Shop) -> None:
    """Three saved products with long names, one with emails asked for."""
    page.goto("/")
    _sign_in(page, shop.customer)
    for slug in ("dragon-well-gift-tin", "longjing-gift-box", "aged-puerh-cake"):
        page.goto(f"/products/{slug}/")
        page.locator(".wishlist-save button").click()
        page.wait_for_url(f"**/products/{slug}/")
    page.goto("/wishlist/")
    page.locator("form[action='/wishlist/emails/'] button").first.click()
    page.locator(".wishlist-actions").first.wait_for()


PAGES = [
    pytest.param(home, id="home"),
    pytest.param(product_list, id="product-list"),
    pytest.param(search_results, id="search-results"),
    pytest.param(category, id="category"),
    pytest.param(product_with_variants, id="product-with-variants"),
    pytest.param(cart_with_two_lines, id="cart-two-lines"),
    pytest.param(cart_with_discounts, id="cart-with-discounts"),
    pytest.param(checkout_with_discounts, id="checkout-with-discounts"),
    pytest.param(checkout_partly_filled, id="checkout-partly-filled"),
    pytest.param(checkout_errors_after_empty_submit, id="checkout-errors"),
    pytest.param(guest_order_bank_transfer, id="guest-order-bank-transfer"),
    pytest.param(guest_order_cash_on_delivery, id="guest-order-cash-on-delivery"),
    pytest.param(support, id="support"),
    pytest.param(sign_in, id="sign-in"),
    pytest.param(sign_up, id="sign-up"),
    pytest.param(password_reset, id="password-reset"),
    pytest.param(_account_page("/account/"), id="account-home"),
    pytest.param(_account_page("/account/orders/"), id="account-orders"),
    pytest.param(account_order, id="account-order"),
    pytest.param(wishlist_with_long_names, id="wishlist"),
    pytest.param(_account_page("/account/details/"), id="account-details"),
    pytest.param(_account_page("/account/email/"), id="account-change-email"),
    pytest.param(_account_page("/account/password/"), id="account-change-password"),
    pytest.param(_account_page("/account/privacy/"), id="account-your-data"),
    pytest.param(_account_page("/account/privacy/delete/"), id="account-delete"),
]


@pytest.mark.parametrize("open_page", PAGES)
@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_no_shopper_page_scrolls_sideways_on_a_phone(
    browser, live_server, shop, language, open_page, request
):
    context = browser.new_context(base_url=live_server.url, locale=language, viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)

        open_page(page, shop)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        offenders = page.evaluate(OFFENDERS_JS)
        if shots := os.environ.get("SHOTS_DIR"):
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{request.node.callspec.id}.png"), full_page=True)
    finally:
        context.close()

    assert width <= PHONE["width"], (
        f"{request.node.callspec.id} is {width} px wide; sticking out:\n" + "\n".join(offenders[:15])
    )
