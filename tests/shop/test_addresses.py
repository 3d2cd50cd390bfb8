"""One postal address for the profile and the order: the lines every page prints, the shared rules."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orders.models import Order
from shop.addresses import ADDRESS_FIELDS, DIVISION_FIELDS, AddressForm, postal_code_clean
from shop.models import User

FULL = {
    "country": "CN",
    "province": "Zhejiang",
    "city": "Hangzhou",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}


@pytest.mark.parametrize("model", [User, Order])
def test_a_chinese_address_reads_from_large_to_small_on_one_line(model):
    address = model(**FULL)

    assert address.address_lines == [
        "Zhejiang Hangzhou 18 West Lake Road Flat 5",
        "310000",
        "China (mainland)",
    ]


def test_a_chinese_address_in_chinese_reads_like_one_on_an_envelope():
    address = Order(
        country="CN",
        province="浙江省",
        city="杭州市",
        address_line1="西湖区文三路 18 号",
        postal_code="310000",
    )

    with translation.override("zh-hans"):
        lines = address.address_lines

    assert lines == ["浙江省 杭州市 西湖区文三路 18 号", "310000", "中国大陆"]


def test_other_addresses_print_street_second_line_locality_and_country():
    address = Order(**FULL | {"country": "US", "province": "CA", "city": "Palo Alto", "postal_code": "94301"})

    assert address.address_lines == ["18 West Lake Road", "Flat 5", "Palo Alto, CA 94301", "United States"]


def test_empty_parts_leave_no_empty_lines():
    address = Order(country="SG", city="Singapore", address_line1="1 Marina Boulevard")

    assert address.address_lines == ["1 Marina Boulevard", "Singapore", "Singapore"]


class RequiredAddressForm(AddressForm):
    pass


class OptionalAddressForm(AddressForm):
    address_required = False


def test_a_required_address_needs_phone_city_and_street():
    form = RequiredAddressForm(data={"country": "SG"})

    assert not form.is_valid()
    assert set(form.errors) == {"phone", "city", "address_line1"}


def test_an_optional_address_may_be_left_empty_but_not_half_filled():
    empty = OptionalAddressForm(data={"country": "CN"})
    half = OptionalAddressForm(data={"country": "SG", "city": "Singapore"})

    assert empty.is_valid()
    assert not half.is_valid()
    assert set(half.errors) == {"address_line1"}


GUANGZHOU = {"country": "CN", "province_code": "44", "city_code": "4401", "district_code": "440106"}


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [RequiredAddressForm, OptionalAddressForm])
def test_a_chinese_address_is_chosen_down_to_the_district_and_stores_names_and_codes(form_class):
    form = form_class(data=GUANGZHOU | {"phone": "138 0013 8000", "address_line1": "天河路 385 号"})

    assert form.is_valid(), form.errors
    chosen = {
        name: form.cleaned_data[name] for name in ADDRESS_FIELDS if name.endswith("code") or name in PARTS
    }
    assert chosen == {
        "province": "广东省",
        "city": "广州市",
        "district": "天河区",
        "province_code": "44",
        "city_code": "4401",
        "district_code": "440106",
        "postal_code": "",
    }


PARTS = ("province", "city", "district")


@pytest.mark.django_db
def test_names_typed_beside_a_chinese_address_give_way_to_the_divisions_chosen():
    form = RequiredAddressForm(
        data=GUANGZHOU
        | {"phone": "13800138000", "address_line1": "1 Road", "province": "Zhejiang", "city": "x"}
    )

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["province"], form.cleaned_data["city"]) == ("广东省", "广州市")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"province_code": ""}, {"province_code": ["Choose a province."]}),
        (
            {"city_code": "3301"},
            {"city_code": ["That city is not in the province chosen; please choose the city again."]},
        ),
        (
            {"district_code": "440304"},
            {"district_code": ["That district is not in the city chosen; please choose the district again."]},
        ),
        (
            {"district_code": "449999"},
            {"district_code": ["That district is not in our list; please choose one from the list."]},
        ),
        (
            {"province_code": "<script>"},
            {"province_code": ["That province is not in our list; please choose one from the list."]},
        ),
    ],
)
def test_a_chinese_address_that_does_not_match_the_divisions_is_refused_on_its_level(overrides, errors):
    form = RequiredAddressForm(
        data=GUANGZHOU | {"phone": "13800138000", "address_line1": "1 Road"} | overrides
    )

    assert not form.is_valid()
    assert form.errors == errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("CN", "310000", "310000"),
        ("US", "94301", "94301"),
        ("US", "94301-1234", "94301-1234"),
        ("GB", "sw1a  1aa", "SW1A 1AA"),
        ("CA", "k1a 0b1", "K1A 0B1"),
        ("JP", "100-0001", "100-0001"),
        ("DE", "10115", "10115"),
        ("FR", "75001", "75001"),
        ("AU", "2000", "2000"),
        ("SG", "018956", "018956"),
        ("KR", "04524", "04524"),
    ],
)
def test_postal_codes_in_their_country_format_are_kept_tidied(country, typed, stored):
    assert postal_code_clean(country=country, postal_code=typed) == stored


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        ("CN", "3100", "Enter a postal code in the format used in China (mainland), for example 310000."),
        ("US", "9430", "Enter a postal code in the format used in United States, for example 94301."),
        ("GB", "12345", "Enter a postal code in the format used in United Kingdom, for example SW1A 1AA."),
        ("HK", "999077", "Addresses in Hong Kong SAR, China have no postal code; please leave this empty."),
    ],
)
def test_postal_codes_out_of_their_country_format_are_refused_with_an_example(country, typed, message):
    with pytest.raises(ValidationError) as refused:
        postal_code_clean(country=country, postal_code=typed)

    assert refused.value.messages == [message]


@pytest.mark.django_db
def test_the_address_form_checks_the_postal_code_by_the_country_chosen():
    us = RequiredAddressForm(
        data={"country": "US", "phone": "+1 650 253 0000", "city": "Palo Alto", "address_line1": "1 Main St"}
        | {"postal_code": "310000"}
    )
    cn = RequiredAddressForm(
        data=GUANGZHOU | {"phone": "13800138000", "address_line1": "1 Road", "postal_code": "3100"}
    )

    assert us.errors == {
        "postal_code": ["Enter a postal code in the format used in United States, for example 94301."]
    }
    assert cn.errors == {
        "postal_code": ["Enter a postal code in the format used in China (mainland), for example 310000."]
    }


def test_an_address_outside_china_drops_any_division_chosen_before_the_country_changed():
    form = RequiredAddressForm(
        data=GUANGZHOU
        | {"country": "SG", "phone": "+65 6123 4567", "city": "Singapore", "address_line1": "1 Marina Blvd"}
    )

    assert form.is_valid(), form.errors
    assert [form.cleaned_data[name] for name in ("district", *DIVISION_FIELDS)] == ["", "", "", ""]


def test_a_chinese_address_with_its_district_reads_large_to_small():
    address = Order(
        country="CN", province="北京市", city="北京市", district="东城区", address_line1="东长安街 1 号"
    )

    with translation.override("zh-hans"):
        lines = address.address_lines

    assert lines == ["北京市 北京市 东城区 东长安街 1 号", "中国大陆"]
