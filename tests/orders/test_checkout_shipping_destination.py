"""Shipping priced by zone follows where the parcel goes: the saved address chosen, and an address
moved to another zone after the prices were shown waits until its price was shown."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import saved_address_create
from orders.models import Order, ShippingMethod
from tests.factories import ShippingRateFactory, ShippingZoneFactory, UserFactory, VariantFactory
from tests.orders.helpers import checkout_post

pytestmark = pytest.mark.django_db

CHANGED = "The shipping price depends on the address, which changed since the prices were shown."
XINJIANG = {
    "recipient_name": "Li Lei",
    "phone": "+8613900139000",
    "country": "CN",
    "province": "新疆维吾尔自治区",
    "city": "乌鲁木齐市",
    "district": "天山区",
    "province_code": "65",
    "city_code": "6501",
    "district_code": "650102",
    "postal_code": "830000",
    "address_line1": "解放南路 1 号",
    "address_line2": "",
}


@pytest.fixture
def express():
    """Express only: ¥12 to Guangdong, ¥30 to Xinjiang."""
    ShippingMethod.objects.filter(code="standard").update(is_active=False)
    express = ShippingMethod.objects.get(code="express")
    ShippingRateFactory(
        method=express, zone=ShippingZoneFactory(name="South", provinces=["44"]), price=Decimal("12.00")
    )
    ShippingRateFactory(
        method=express, zone=ShippingZoneFactory(name="West", provinces=["65"]), price=Decimal("30.00")
    )
    return express


def _cart(client) -> None:
    client.post(
        reverse("cart:add"), {"variant": VariantFactory(stock=5, price=Decimal("50.00")).pk, "quantity": 1}
    )


def _guangdong(**overrides) -> dict:
    return {"province_code": "44", "city_code": "4401", "district_code": "440106", **overrides}


def test_a_chosen_saved_address_prices_shipping_for_its_own_zone(client, express):
    customer = UserFactory()
    client.force_login(customer)
    saved = saved_address_create(user=customer, values=XINJIANG)
    _cart(client)

    page = client.get(reverse("orders:checkout"))

    assert [label for _value, label in page.context["form"].fields["shipping_method"].choices] == [
        "Express: ¥30.00"
    ]
    assert 'name="destination_seen" value="CN:65"' in page.content.decode()
    posted = checkout_post(
        shipping=express, token=uuid.uuid4(), saved_address=str(saved.pk), destination_seen="CN:65"
    )
    assert client.post(reverse("orders:checkout"), posted).status_code == 302
    assert Order.objects.get().shipping_total == Decimal("30.00")


def test_an_address_moved_to_another_zone_since_the_prices_were_shown_waits_for_its_price(client, express):
    _cart(client)
    # The page showed Xinjiang's ¥30; the shopper then chose Guangdong and submitted (no script ran).
    posted = checkout_post(shipping=express, token=uuid.uuid4(), destination_seen="CN:65", **_guangdong())

    refused = client.post(reverse("orders:checkout"), posted)

    page = refused.content.decode()
    assert refused.status_code == 400
    assert CHANGED in page
    assert "Express: ¥12.00" in page
    assert 'name="destination_seen" value="CN:44"' in page
    assert not Order.objects.exists()

    placed = client.post(reverse("orders:checkout"), {**posted, "destination_seen": "CN:44"})

    assert placed.status_code == 302
    assert Order.objects.get().shipping_total == Decimal("12.00")


def test_without_rates_by_zone_the_address_may_change_freely(client):
    _cart(client)
    standard = ShippingMethod.objects.get(code="standard")
    posted = checkout_post(shipping=standard, token=uuid.uuid4(), destination_seen="CN:65", **_guangdong())

    assert client.post(reverse("orders:checkout"), posted).status_code == 302
