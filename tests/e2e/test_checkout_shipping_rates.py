"""In a browser, a guest in Guangdong sees the zone's shipping price appear as the province is chosen,
and the order charges exactly that."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order, ShippingRate
from tests.e2e.helpers import divisions_choose
from tests.factories import (
    ProductFactory,
    ShippingMethodFactory,
    ShippingRateFactory,
    ShippingZoneFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_guest_in_guangdong_sees_the_zone_price_for_the_cart_and_pays_it_with_alipay(page, alipay):
    express = ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), position=1)
    ShippingRateFactory(
        method=express,
        zone=ShippingZoneFactory(name="South", provinces=["44"]),
        kind=ShippingRate.Kind.WEIGHT,
        price=Decimal("12.00"),
        first_weight_grams=1000,
        additional_unit_grams=1000,
        additional_unit_price=Decimal("5.00"),
    )
    ShippingRateFactory(
        method=express,
        zone=ShippingZoneFactory(name="Tibet", provinces=["54"]),
        price=None,
        kind=ShippingRate.Kind.NOT_DELIVERED,
    )
    VariantFactory(
        product=ProductFactory(name="Dragon Well", slug="dragon-well"),
        price=Decimal("40.00"),
        stock=5,
        weight_grams=1200,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    url_before = page.url
    expect(page.get_by_text("Express: price shown once you choose your province")).to_be_visible()

    divisions_choose(page, "广东省", "广州市", "天河区")
    express_choice = page.get_by_label("Express: ¥17.00")
    expect(express_choice).to_be_visible()
    express_choice.check()
    expect(page.get_by_text("Total with Express shipping")).to_be_visible()
    expect(page.locator(".checkout-total:not([hidden]) dd")).to_have_text("¥57.00")
    page.locator("#id_email").fill("mei@example.com")
    page.locator("#id_full_name").fill("王美")
    page.locator("#id_phone").fill("138 0013 8000")
    page.locator("#id_address_line1").fill("天河路 385 号")
    page.get_by_label("Alipay").check()
    assert page.url == url_before
    page.get_by_role("button", name="Place order").click()

    # The gateway is asked for the goods and the zone's shipping: ¥40.00 + ¥17.00.
    expect(page.locator("#amount")).to_have_text("¥57.00")
    page.get_by_role("button", name="Pay").click()
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment")

    expect(page.get_by_text("广东省 广州市 天河区 天河路 385 号")).to_be_visible()
    order = Order.objects.get()
    assert order.shipping_total == Decimal("17.00")
    assert order.grand_total == Decimal("57.00")
    assert order.shipping_method == express
    assert order.payments.get().amount == Decimal("57.00")
