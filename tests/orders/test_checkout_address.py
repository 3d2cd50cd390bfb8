"""The checkout's address: province, city and district chosen without JavaScript, and the order's copy."""

import pytest
from django.urls import reverse

from orders.models import Order, ShippingMethod
from tests.factories import VariantFactory
from tests.orders.helpers import checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

TYPED = {
    "email": "mei@example.com",
    "full_name": "王美",
    "phone": "13800138000",
    "country": "CN",
    "address_line1": "天河路 385 号",
    "note": "请在工作日送货",
}


@pytest.fixture
def shopper(client):
    standard_shipping()
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return client


def standard_shipping_method() -> ShippingMethod:
    return ShippingMethod.objects.get(code="standard")


def step(client, **typed):
    return client.post(reverse("orders:checkout_address_step"), {**typed, "address_step": "province_code"})


def test_the_province_button_brings_checkout_back_with_its_cities_and_everything_typed(shopper):
    response = step(shopper, **TYPED, province_code="44")

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:checkout") + "#shipping-address"
    page = shopper.get(response["Location"]).content.decode()
    assert '<option value="44" selected>广东省</option>' in page
    assert '<option value="4401">广州市</option>' in page
    assert '<option value="4403">深圳市</option>' in page
    for value in ("mei@example.com", "王美", "13800138000", "天河路 385 号"):
        assert f'value="{value}"' in page
    assert "请在工作日送货" in page
    assert "errorlist" not in page


def test_the_city_button_brings_its_districts_and_the_order_is_placed_with_all_three(shopper):
    page = shopper.get(
        step(shopper, **TYPED, province_code="44", city_code="4401")["Location"]
    ).content.decode()
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render

    response = shopper.post(
        reverse("orders:checkout"),
        checkout_post(
            shipping=standard_shipping_method(),
            token=token,
            province_code="44",
            city_code="4401",
            district_code="440106",
            postal_code="510000",
        ),
    )

    assert '<option value="440106">天河区</option>' in page
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.province, order.city, order.district) == ("广东省", "广州市", "天河区")
    assert (order.province_code, order.city_code, order.district_code) == ("44", "4401", "440106")
    assert order.address_lines[0] == "广东省 广州市 天河区 18 West Lake Road"


def test_a_province_changed_after_the_city_asks_for_the_city_again(shopper):
    page = shopper.get(
        step(shopper, **TYPED, province_code="33", city_code="4401", district_code="440106")["Location"]
    ).content.decode()

    assert '<option value="3301">杭州市</option>' in page
    assert "selected>广州市" not in page
    assert 'value="440106"' not in page


def test_a_made_up_division_code_is_refused_on_its_field_and_nothing_is_placed(shopper):
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render

    response = shopper.post(
        reverse("orders:checkout"),
        checkout_post(shipping=standard_shipping_method(), token=token, city_code="3399"),
    )

    assert response.status_code == 400
    assert "That city is not in our list; please choose one from the list." in response.content.decode()
    assert Order.objects.count() == 0


def test_an_address_outside_china_keeps_its_free_text_region_and_no_division(shopper):
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render

    response = shopper.post(
        reverse("orders:checkout"),
        checkout_post(
            shipping=standard_shipping_method(),
            token=token,
            country="US",
            province="CA",
            city="Palo Alto",
            postal_code="94301",
            phone="+1 650 253 0000",
            payment_method="bank_transfer",
        ),
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.province, order.city, order.district, order.province_code) == ("CA", "Palo Alto", "", "")
    assert order.address_lines == ["18 West Lake Road", "Palo Alto, CA 94301", "United States"]


def test_the_cascade_reads_a_provinces_cities_as_cacheable_json(client):
    response = client.get(reverse("division_list"), {"parent": "11"})

    assert response.status_code == 200
    assert response.json() == {"divisions": [{"code": "1101", "name": "北京市"}]}
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize("parent", ["440106", "99", "", "x" * 500])
def test_the_cascade_answers_a_made_up_or_last_level_code_with_a_404(client, parent):
    response = client.get(reverse("division_list"), {"parent": parent})

    assert response.status_code == 404
    assert response.json() == {"divisions": []}
