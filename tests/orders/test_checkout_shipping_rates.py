"""Checkout with shipping rates by zone: the methods that deliver to the address, their prices for the
cart, destinations nothing ships to, and the price decided again when the order is placed."""

import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.exceptions import ShippingUnavailable
from orders.models import Order, ShippingMethod, ShippingRate
from orders.services import order_place
from tests.factories import ShippingRateFactory, ShippingZoneFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data, checkout_post

pytestmark = pytest.mark.django_db

NOT_DELIVERED = "Sorry, we do not deliver to this address yet. Please enter another address, or contact us."


@pytest.fixture
def rates():
    """Standard stays flat (¥12); Express is priced by zone: ¥12 first kg + ¥5 a kg in Guangdong,
    flat ¥30 + ¥20 surcharge in Xinjiang; nothing in Tibet (its zone has no Express rate)."""
    standard = ShippingMethod.objects.get(code="standard")
    express = ShippingMethod.objects.get(code="express")
    standard.is_active = False  # only Express, so "nothing delivers" can be shown
    standard.save()
    guangdong = ShippingZoneFactory(name="South", position=1, provinces=["44"])
    remote = ShippingZoneFactory(name="Remote", position=2, provinces=["65"])
    ShippingZoneFactory(name="Tibet", position=3, provinces=["54"])
    ShippingRateFactory(
        method=express,
        zone=guangdong,
        kind=ShippingRate.Kind.WEIGHT,
        price=Decimal("12.00"),
        first_weight_grams=1000,
        additional_unit_grams=1000,
        additional_unit_price=Decimal("5.00"),
    )
    ShippingRateFactory(method=express, zone=remote, price=Decimal("30.00"), surcharge=Decimal("20.00"))
    return express


@pytest.fixture
def shopper(client):
    """A guest with two 800 g teas (1,600 g: the first kg and one more) at ¥19.99 each."""
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5, weight_grams=800).pk, "quantity": 2})
    return client


def _address_step(client, province: str):
    return client.post(
        reverse("orders:checkout_address_step"),
        {"country": "CN", "province_code": province, "address_step": "province_code"},
    )


def _choices(response) -> list[str]:
    return [label for _value, label in response.context["form"].fields["shipping_method"].choices]


def test_before_a_province_is_chosen_the_page_says_so_and_shows_no_price(shopper, rates):
    response = shopper.get(reverse("orders:checkout"))

    page = response.content.decode()
    assert _choices(response) == ["Express: price shown once you choose your province"]
    assert "Choose your province above to see which methods deliver there" in page
    assert "Total with Express shipping" not in page


def test_choosing_the_province_without_javascript_shows_the_zones_price_for_the_carts_weight(shopper, rates):
    _address_step(shopper, "44")

    response = shopper.get(reverse("orders:checkout"))

    assert _choices(response) == ["Express: ¥17.00"]
    assert [option.total for option in response.context["form"].shipping_totals] == [Decimal("56.98")]


def test_a_remote_province_pays_its_surcharge(shopper, rates):
    _address_step(shopper, "65")

    response = shopper.get(reverse("orders:checkout"))

    assert _choices(response) == ["Express: ¥50.00"]


def test_a_destination_nothing_ships_to_is_said_before_payment_and_cannot_be_ordered(shopper, rates):
    _address_step(shopper, "54")
    page = shopper.get(reverse("orders:checkout"))
    token = page.context["form"].token_for_render
    post = checkout_post(
        shipping=rates, token=token, province_code="54", city_code="5401", district_code="540102"
    )
    del post["shipping_method"]

    refused = shopper.post(reverse("orders:checkout"), post)

    assert NOT_DELIVERED in page.content.decode()
    assert refused.status_code == 400
    assert refused.context["form"].errors["shipping_method"] == [NOT_DELIVERED]
    assert not Order.objects.exists()


def test_placing_prices_the_order_from_the_variants_weights_and_the_province(shopper, rates):
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render
    post = checkout_post(
        shipping=rates, token=token, province_code="44", city_code="4401", district_code="440106"
    )

    response = shopper.post(reverse("orders:checkout"), post)

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.shipping_total == Decimal("17.00")
    assert order.grand_total == Decimal("56.98")


def test_a_method_posted_for_a_province_it_does_not_deliver_to_is_refused_and_nothing_is_taken(
    shopper, rates
):
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render
    post = checkout_post(
        shipping=rates, token=token, province_code="54", city_code="5401", district_code="540102"
    )

    response = shopper.post(reverse("orders:checkout"), post)

    assert response.status_code == 409
    assert response.context["form"].errors["shipping_method"] == [
        "Express does not deliver to this address. Your order was not placed: please choose another "
        "shipping method."
    ]
    assert not Order.objects.exists()
    assert response.context["cart"].lines[0].variant.stock == 5


def test_order_place_refuses_a_method_that_stopped_delivering_and_writes_nothing(rates):
    variant = VariantFactory(stock=3, weight_grams=800)
    checkout = checkout_data(shipping_method=rates, province_code="44")
    ShippingRate.objects.filter(zone__provinces=["44"]).update(kind=ShippingRate.Kind.NOT_DELIVERED)

    with pytest.raises(ShippingUnavailable):
        order_place(cart=cart_with((variant, 1)), checkout=checkout, token=uuid.uuid4())

    variant.refresh_from_db()
    assert variant.stock == 3
    assert not Order.objects.exists()


def test_order_place_counts_a_variant_without_weight_as_the_default(rates, settings):
    settings.SHIPPING_DEFAULT_WEIGHT_GRAMS = 1200
    variant = VariantFactory(stock=3, weight_grams=None)

    order = order_place(
        cart=cart_with((variant, 1)),
        checkout=checkout_data(shipping_method=rates, province_code="44"),
        token=uuid.uuid4(),
    )

    assert order.shipping_total == Decimal("17.00")


def test_the_shipping_endpoint_gives_the_choices_and_totals_for_a_province(shopper, rates):
    response = shopper.get(reverse("orders:checkout_shipping"), {"country": "CN", "province_code": "65"})

    data = json.loads(response.content)
    assert response.status_code == 200
    assert "Express: ¥50.00" in data["shipping"]
    assert "¥89.98" in data["totals"]


def test_the_shipping_endpoint_says_when_nothing_delivers(shopper, rates):
    response = shopper.get(reverse("orders:checkout_shipping"), {"country": "US"})

    assert NOT_DELIVERED in json.loads(response.content)["shipping"]


def _page_queries(client, province: str) -> int:
    _address_step(client, province)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("orders:checkout"))
    return len(captured)


def test_the_checkout_page_with_rates_costs_one_query_more_than_without(shopper):
    _page_queries(shopper, "44")  # the site's menu, read once and cached
    flat = _page_queries(shopper, "44")
    ShippingRateFactory(method=ShippingMethod.objects.get(code="express"), zone=ShippingZoneFactory())

    with_rates = _page_queries(shopper, "44")

    assert with_rates == flat + 1


def test_placing_with_rates_costs_two_queries_more(shopper, rates, django_assert_num_queries):
    token = shopper.get(reverse("orders:checkout")).context["form"].token_for_render
    post = checkout_post(
        shipping=rates, token=token, province_code="44", city_code="4401", district_code="440106"
    )

    # The 17 of an order with a flat-priced method (test_checkout_views), plus the zones and rates
    # read twice: by the form, for the price the page showed, and by placing, for the price charged.
    with django_assert_num_queries(19):
        response = shopper.post(reverse("orders:checkout"), post)

    assert response.status_code == 302
