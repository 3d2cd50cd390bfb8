"""Shipping zones and rates: the price by destination and weight, its boundaries, and the admin's rules."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.demo_shipping import demo_shipping_seed
from orders.models import ShippingMethod, ShippingRate, ShippingZone
from orders.selectors import shipping_method_list, shipping_rate_table_get
from orders.shipping_rates import (
    Destination,
    RateKind,
    RateRule,
    parcel_weight_grams,
    shipping_price_compute,
)
from tests.factories import ShippingMethodFactory, ShippingRateFactory, ShippingZoneFactory

# ¥12 for the first kg, ¥5 for each further kg or part of one.
BY_WEIGHT = RateRule(
    kind=RateKind.WEIGHT,
    price=Decimal("12.00"),
    first_weight_grams=1000,
    additional_unit_grams=1000,
    additional_unit_price=Decimal("5.00"),
)


def _price(rule: RateRule = BY_WEIGHT, *, grams: int = 500, goods: str = "50.00") -> Decimal | None:
    return shipping_price_compute(rule=rule, weight_grams=grams, goods_total=Decimal(goods))


@pytest.mark.parametrize(
    ("grams", "expected"),
    [
        (0, "12.00"),
        (1, "12.00"),
        (999, "12.00"),
        (1000, "12.00"),
        (1001, "17.00"),
        (2000, "17.00"),
        (2001, "22.00"),
        (10500, "62.00"),
    ],
)
def test_the_first_weight_covers_up_to_itself_and_each_unit_begun_beyond_it_counts_whole(grams, expected):
    assert _price(grams=grams) == Decimal(expected)


def test_a_flat_rate_costs_its_price_whatever_the_weight():
    rule = RateRule(kind=RateKind.FLAT, price=Decimal("8.00"))

    assert _price(rule, grams=1) == Decimal("8.00")
    assert _price(rule, grams=30000) == Decimal("8.00")


def test_goods_reaching_the_threshold_exactly_ship_free_and_a_cent_below_pay():
    rule = RateRule(kind=RateKind.FLAT, price=Decimal("8.00"), free_above=Decimal("99.00"))

    assert _price(rule, goods="99.00") == Decimal("0.00")
    assert _price(rule, goods="98.99") == Decimal("8.00")


def test_the_remote_surcharge_is_added_to_the_weight_price_and_stays_when_the_rest_ships_free():
    rule = RateRule(
        kind=RateKind.WEIGHT,
        price=Decimal("20.00"),
        first_weight_grams=1000,
        additional_unit_grams=500,
        additional_unit_price=Decimal("3.50"),
        free_above=Decimal("300.00"),
        surcharge=Decimal("15.00"),
    )

    assert _price(rule, grams=1501, goods="100.00") == Decimal("42.00")
    assert _price(rule, grams=1501, goods="300.00") == Decimal("15.00")


def test_a_rate_that_does_not_deliver_has_no_price():
    assert _price(RateRule(kind=RateKind.NOT_DELIVERED)) is None


def test_a_variant_without_a_weight_counts_as_the_default(settings):
    settings.SHIPPING_DEFAULT_WEIGHT_GRAMS = 500

    assert parcel_weight_grams(items=[(250, 3), (None, 2)]) == 1750


def test_a_mainland_destination_is_known_only_with_its_province():
    assert not Destination(country="CN").is_known
    assert Destination(country="CN", province_code="44").is_known
    assert Destination(country="JP").is_known
    assert not Destination(country="").is_known


@pytest.mark.django_db
def test_an_address_belongs_to_the_first_zone_by_position_that_holds_it():
    ShippingZoneFactory(name="Mainland", position=9, provinces=[], countries=["CN"])
    ShippingZoneFactory(name="Jiangsu, Zhejiang, Shanghai", position=1, provinces=["31", "32", "33"])
    ShippingZoneFactory(name="Asia", position=5, provinces=[], countries=["JP", "SG"])

    table = shipping_rate_table_get()

    assert table.zone_for(Destination(country="CN", province_code="32")).name == "Jiangsu, Zhejiang, Shanghai"
    assert table.zone_for(Destination(country="CN", province_code="44")).name == "Mainland"
    assert table.zone_for(Destination(country="JP")).name == "Asia"
    assert table.zone_for(Destination(country="US")) is None


@pytest.mark.django_db
def test_a_method_without_rates_keeps_its_flat_price_everywhere():
    method = ShippingMethodFactory(price=Decimal("12.00"), free_above=Decimal("99.00"))
    ShippingRateFactory(zone=ShippingZoneFactory(provinces=["44"]))  # another method's rate

    table = shipping_rate_table_get()

    for destination in (Destination(country="CN", province_code="44"), Destination(country="US")):
        price = table.price_for(
            method_id=method.pk,
            flat=method.price_for(Decimal("50.00")),
            destination=destination,
            weight_grams=5000,
            goods_total=Decimal("50.00"),
        )
        assert price == Decimal("12.00")


@pytest.mark.django_db
def test_a_method_with_rates_delivers_only_to_zones_with_a_delivering_rate():
    method = ShippingMethodFactory(price=Decimal("12.00"))
    guangdong = ShippingZoneFactory(position=1, provinces=["44"])
    remote = ShippingZoneFactory(position=2, provinces=["54", "65"])
    ShippingZoneFactory(position=3, provinces=["11"])  # no rate of this method at all
    ShippingRateFactory(method=method, zone=guangdong, price=Decimal("9.00"))
    ShippingRateFactory(method=method, zone=remote, kind=ShippingRate.Kind.NOT_DELIVERED, price=None)

    table = shipping_rate_table_get()

    def price_in(province: str, country: str = "CN") -> Decimal | None:
        return table.price_for(
            method_id=method.pk,
            flat=method.price,
            destination=Destination(country=country, province_code=province),
            weight_grams=500,
            goods_total=Decimal("50.00"),
        )

    assert price_in("44") == Decimal("9.00")
    assert price_in("54") is None
    assert price_in("11") is None
    assert price_in("", country="US") is None


@pytest.mark.django_db
def test_the_method_list_says_which_methods_are_priced_by_zone_in_its_one_query(django_assert_num_queries):
    rated = ShippingMethodFactory(position=1)
    ShippingRateFactory(method=rated)
    flat = ShippingMethodFactory(position=2)

    with django_assert_num_queries(1):
        methods = {method.pk: method.has_rates for method in shipping_method_list()}

    assert methods[rated.pk] is True
    assert methods[flat.pk] is False


@pytest.mark.django_db
def test_a_zone_needs_places_of_one_kind():
    empty = ShippingZone(name="Nowhere", provinces=[], countries=[])
    mixed = ShippingZone(name="Both", provinces=["44"], countries=["JP"])

    with pytest.raises(ValidationError, match="Choose the provinces or the countries"):
        empty.full_clean()
    with pytest.raises(ValidationError, match="either provinces or countries"):
        mixed.full_clean()


@pytest.mark.django_db
def test_a_weight_rate_needs_its_first_weight_unit_and_prices():
    rate = ShippingRate(
        method=ShippingMethodFactory(), zone=ShippingZoneFactory(), kind=ShippingRate.Kind.WEIGHT
    )

    with pytest.raises(ValidationError) as raised:
        rate.full_clean()

    assert set(raised.value.message_dict) == {
        "price",
        "first_weight_grams",
        "additional_unit_grams",
        "additional_unit_price",
    }


@pytest.mark.django_db
def test_staff_add_a_zone_of_provinces_in_the_admin(client, staff):
    staff.is_superuser = True
    staff.save()

    response = client.post(
        reverse("admin:orders_shippingzone_add"),
        {"name": "江浙沪", "position": "1", "provinces": ["31", "32", "33"]},
    )

    assert response.status_code == 302
    assert ShippingZone.objects.get().provinces == ["31", "32", "33"]


@pytest.mark.django_db
def test_the_admin_refuses_a_zone_without_places_with_a_message(client, staff):
    staff.is_superuser = True
    staff.save()

    response = client.post(reverse("admin:orders_shippingzone_add"), {"name": "Nowhere", "position": "1"})

    assert response.status_code == 200
    assert "Choose the provinces or the countries this zone holds." in response.content.decode()
    assert not ShippingZone.objects.exists()


@pytest.mark.django_db
def test_staff_set_a_weight_rate_on_the_method_page_and_an_incomplete_one_is_refused(client, staff):
    staff.is_superuser = True
    staff.save()
    method = ShippingMethodFactory(name="SF", code="sf", price=Decimal("12.00"))
    zone = ShippingZoneFactory()
    url = reverse("admin:orders_shippingmethod_change", args=[method.pk])
    form = {
        "name": "SF",
        "code": "sf",
        "price": "12.00",
        "is_active": "on",
        "position": "0",
        "rates-TOTAL_FORMS": "1",
        "rates-INITIAL_FORMS": "0",
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "1000",
        "rates-0-zone": str(zone.pk),
        "rates-0-kind": "weight",
        "rates-0-price": "12.00",
        "rates-0-first_weight_grams": "1000",
        "rates-0-additional_unit_grams": "1000",
        "rates-0-surcharge": "0.00",
    }

    refused = client.post(url, form)
    saved = client.post(url, {**form, "rates-0-additional_unit_price": "5.00"})

    assert refused.status_code == 200
    assert "Enter the price per additional unit." in refused.content.decode()
    assert saved.status_code == 302
    rate = method.rates.get()
    assert rate.kind == ShippingRate.Kind.WEIGHT
    assert rate.additional_unit_price == Decimal("5.00")


@pytest.mark.django_db
def test_the_demo_seed_prices_guangdong_as_mainland_and_keeps_express_out_of_remote_provinces():
    created = demo_shipping_seed()
    again = demo_shipping_seed()
    table = shipping_rate_table_get()
    standard, express = (ShippingMethod.objects.get(code=code) for code in ("standard", "express"))

    def price(method, destination: Destination) -> Decimal | None:
        return table.price_for(
            method_id=method.pk,
            flat=method.price,
            destination=destination,
            weight_grams=1500,
            goods_total=Decimal("50.00"),
        )

    assert (created, again) == (4, 0)
    guangdong = Destination(country="CN", province_code="44")
    tibet = Destination(country="CN", province_code="54")
    assert (price(standard, guangdong), price(express, guangdong)) == (Decimal("17.00"), Decimal("35.00"))
    assert (price(standard, tibet), price(express, tibet)) == (Decimal("43.00"), None)
    assert price(standard, Destination(country="CN", province_code="33")) == Decimal("8.00")


@pytest.mark.django_db
def test_the_zone_list_names_each_zones_places_reading_the_provinces_once(
    client, staff, django_assert_max_num_queries
):
    staff.is_superuser = True
    staff.save()
    ShippingZoneFactory(name="江浙沪", position=1, provinces=["31", "32"])
    ShippingZoneFactory(name="Remote", position=2, provinces=["65"])
    ShippingZoneFactory(name="Asia", position=3, provinces=[], countries=["JP"])
    client.get(reverse("admin:orders_shippingzone_changelist"))

    with django_assert_max_num_queries(7):
        response = client.get(reverse("admin:orders_shippingzone_changelist"))

    page = response.content.decode()
    assert "上海市、江苏省" in page
    assert "新疆维吾尔自治区" in page
    assert "Japan" in page


@pytest.mark.django_db
def test_order_managers_may_edit_zones_and_rates():
    group = Group.objects.get(name="Order managers")

    codenames = set(group.permissions.values_list("codename", flat=True))

    assert {"change_shippingzone", "add_shippingrate", "delete_shippingrate"} <= codenames
