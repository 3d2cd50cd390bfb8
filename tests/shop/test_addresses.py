"""One postal address for the profile and the order: the lines every page prints, the shared rules."""

import pytest
from django.utils import translation

from orders.models import Order
from shop.addresses import AddressForm
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


@pytest.mark.parametrize("form_class", [RequiredAddressForm, OptionalAddressForm])
def test_a_chinese_address_needs_its_province_and_a_six_digit_postal_code(form_class):
    form = form_class(data=FULL | {"phone": "138 0013 8000", "province": "", "postal_code": "3100"})

    assert not form.is_valid()
    assert form.errors["province"] == ["Enter the province."]
    assert form.errors["postal_code"] == ["A postal code in China has six digits."]
