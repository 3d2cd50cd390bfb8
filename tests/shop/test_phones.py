"""The one phone rule: parsed with phonenumbers, stored in E.164, shown in the national format."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.emails import order_email_build
from orders.models import Order
from shop.models import User
from shop.phones import phone_display, phone_parse, phone_rows_normalise
from tests.factories import OrderFactory, StaffUserFactory, UserFactory
from tests.helpers import staff_login

CHINA_MOBILE = (
    "Enter a mainland China mobile number of 11 digits, for example 138 0013 8000 (with or without +86)."
)
INVALID = (
    "Enter a phone number that is valid in the country or region of the address, "
    "or start it with + and the country code."
)


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "8613800138000",
    ],
)
def test_a_chinese_mobile_is_stored_in_e164_however_it_was_typed(typed):
    assert phone_parse(phone=typed, country="CN") == "+8613800138000"


@pytest.mark.parametrize(
    "typed",
    [
        "010 6552 9988",  # a Beijing landline: couriers need a mobile
        "1380013800",  # ten digits
        "138001380001",  # twelve
        "12345678901",  # no such mobile range
        "+86 10 6552 9988",
    ],
)
def test_a_chinese_number_that_is_not_an_11_digit_mobile_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        phone_parse(phone=typed, country="CN")

    assert refused.value.messages == [CHINA_MOBILE]


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("(650) 253-0000", "US", "+16502530000"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("07400 123456", "GB", "+447400123456"),
        ("6123 4567", "SG", "+6561234567"),
        ("9123 4567", "HK", "+85291234567"),
        ("+1 650 253 0000", "GB", "+16502530000"),  # a number with its own country code keeps it
    ],
)
def test_other_countries_numbers_are_checked_by_their_own_rules(typed, country, stored):
    assert phone_parse(phone=typed, country=country) == stored


def test_an_address_in_mainland_china_needs_a_chinese_mobile_even_typed_with_another_code():
    with pytest.raises(ValidationError) as refused:
        phone_parse(phone="+1 650 253 0000", country="CN")

    assert refused.value.messages == [CHINA_MOBILE]


@pytest.mark.parametrize(
    ("typed", "country"),
    [("555 0100", "US"), ("020 7946", "GB"), ("1234", "SG"), ("call me", "US"), ("+1 (555) 010-9999", "US")],
)
def test_numbers_invalid_in_their_country_are_refused(typed, country):
    with pytest.raises(ValidationError) as refused:
        phone_parse(phone=typed, country=country)

    assert refused.value.messages == [INVALID]


@pytest.mark.parametrize(
    ("stored", "country", "shown"),
    [
        ("+8613800138000", "CN", "138 0013 8000"),
        ("+16502530000", "US", "(650) 253-0000"),
        ("+442079460018", "GB", "020 7946 0018"),
        ("+16502530000", "CN", "+1 650-253-0000"),  # abroad: with its country code
        ("138 0013 8000 ext. 5", "CN", "138 0013 8000 ext. 5"),  # stored before the rule: as typed
    ],
)
def test_stored_phones_show_in_the_national_format_of_the_address(stored, country, shown):
    assert phone_display(phone=stored, country=country) == shown


@pytest.mark.django_db
def test_normalising_stored_phones_rewrites_those_that_parse_and_keeps_the_others():
    mobile = OrderFactory(phone="138-0013-8000", country="CN")
    american = OrderFactory(phone="(650) 253-0000", country="US")
    landline = OrderFactory(phone="0571 8888 1234", country="CN")
    done = OrderFactory(phone="+8613900000000", country="CN")

    changed = phone_rows_normalise(model=Order)
    again = phone_rows_normalise(model=Order)

    phones = dict(Order.objects.values_list("pk", "phone"))
    assert (changed, again) == (2, 0)
    assert phones == {
        mobile.pk: "+8613800138000",
        american.pk: "+16502530000",
        landline.pk: "0571 8888 1234",
        done.pk: "+8613900000000",
    }


@pytest.mark.django_db
def test_normalising_reads_each_profiles_own_country():
    user = UserFactory(phone="020 7946 0018", country="GB")

    phone_rows_normalise(model=User)

    user.refresh_from_db()
    assert user.phone == "+442079460018"


@pytest.mark.django_db
def test_the_order_page_its_email_and_the_admin_show_the_phone_in_the_national_format(client):
    order = OrderFactory(phone="+8613800138000", country="CN")

    page = client.get(order.get_access_url()).content.decode()
    email = order_email_build(order=order, kind="confirmation", to_email=order.email, language="en")
    staff_login(client, StaffUserFactory(is_superuser=True))
    admin_page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "138 0013 8000" in page
    assert "+8613800138000" not in page
    assert "138 0013 8000" in email.body
    assert "138 0013 8000" in email.alternatives[0][0]
    assert "138 0013 8000" in admin_page


@pytest.mark.django_db
def test_an_old_unparsed_phone_still_shows_as_typed_on_the_order_page(client):
    order = OrderFactory(phone="0571-8888-1234 (front desk)", country="CN")

    page = client.get(order.get_access_url()).content.decode()

    assert "0571-8888-1234 (front desk)" in page
