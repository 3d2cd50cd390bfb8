"""In a browser, a guest in Guangdong chooses province, city and district with no reload, and orders."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.helpers import divisions_choose
from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_guest_in_guangdong_chooses_city_and_district_in_place_and_places_the_order(page):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    VariantFactory(product=ProductFactory(name="Dragon Well", slug="dragon-well"), stock=5)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/dragon-well/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    url_before = page.url
    # With JavaScript the page's own next-level buttons are not needed.
    expect(page.get_by_role("button", name="Show its cities")).to_be_hidden()

    divisions_choose(page, "广东省", "深圳市", "南山区")
    page.locator("#id_email").fill("mei@example.com")
    page.get_by_label("Full name").fill("王美")
    page.get_by_label("Phone").fill("138 0013 8000")
    page.locator("#id_address_line1").fill("科技园南区 1 栋")
    page.get_by_label("Cash on delivery").check()

    assert page.url == url_before
    expect(page.locator("#id_city_code option")).to_have_count(22)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("广东省 深圳市 南山区 科技园南区 1 栋")).to_be_visible()
    order = Order.objects.get()
    assert (order.province_code, order.city_code, order.district_code) == ("44", "4403", "440305")
    assert (order.province, order.city, order.district) == ("广东省", "深圳市", "南山区")
