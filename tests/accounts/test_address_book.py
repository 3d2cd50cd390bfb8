"""The address book: several addresses per customer, exactly one default, only the owner's."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from accounts.exceptions import AddressBookFull, SavedAddressNotFound
from accounts.forms import SavedAddressForm
from accounts.models import ADDRESS_BOOK_LIMIT, SavedAddress
from accounts.services import (
    saved_address_create,
    saved_address_create_for_order,
    saved_address_default_set,
    saved_address_delete,
)
from cart.pricing import CartPricing
from orders.forms import CheckoutForm
from promotions.pricing import Pricing
from tests.factories import UserFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db

COPY = importlib.import_module("accounts.migrations.0003_saved_address")

# What SavedAddressForm cleans from the posted ADDRESS below.
VALUES = {
    "recipient_name": "Ann Lee",
    "phone": "+8613800138000",
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "province_code": "33",
    "city_code": "3301",
    "district_code": "330106",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}
ADDRESS = {
    "recipient_name": "Ann Lee",
    "phone": "138 0013 8000",
    "country": "CN",
    "province_code": "33",
    "city_code": "3301",
    "district_code": "330106",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}


def _add(user, **overrides) -> SavedAddress:
    return saved_address_create(user=user, values=VALUES | overrides)


def _defaults(user) -> list[str]:
    return list(
        SavedAddress.objects.filter(user=user, is_default=True).values_list("address_line1", flat=True)
    )


# The rules, through the services.


def test_the_first_address_becomes_the_default_and_later_ones_do_not():
    user = UserFactory()

    first = _add(user, address_line1="1 First Road")
    second = _add(user, address_line1="2 Second Road")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (True, False)


def test_making_another_address_the_default_leaves_exactly_one():
    user = UserFactory()
    _add(user, address_line1="1 First Road")
    second = _add(user, address_line1="2 Second Road")

    saved_address_default_set(user=user, address_id=second.pk)

    assert _defaults(user) == ["2 Second Road"]


def test_deleting_the_default_makes_the_newest_other_address_the_default():
    user = UserFactory()
    first = _add(user, address_line1="1 First Road")
    _add(user, address_line1="2 Second Road")
    _add(user, address_line1="3 Third Road")

    saved_address_delete(user=user, address_id=first.pk)

    assert _defaults(user) == ["3 Third Road"]
    assert SavedAddress.objects.filter(user=user).count() == 2


def test_deleting_the_last_address_leaves_an_empty_book():
    user = UserFactory()
    only = _add(user)

    saved_address_delete(user=user, address_id=only.pk)

    assert not SavedAddress.objects.filter(user=user).exists()


def test_a_book_holds_at_most_twenty_addresses_and_a_full_one_changes_nothing():
    user = UserFactory()
    for number in range(ADDRESS_BOOK_LIMIT):
        _add(user, address_line1=f"{number} Road")

    with pytest.raises(AddressBookFull):
        _add(user, address_line1="One Too Many Road")

    assert ADDRESS_BOOK_LIMIT == 20
    assert SavedAddress.objects.filter(user=user).count() == 20


def test_saving_with_an_order_skips_a_full_book_without_failing():
    user = UserFactory()
    for number in range(ADDRESS_BOOK_LIMIT):
        _add(user, address_line1=f"{number} Road")

    saved = saved_address_create_for_order(user=user, values=VALUES)

    assert saved is False
    assert SavedAddress.objects.filter(user=user).count() == 20


def test_another_customers_address_cannot_be_changed_through_the_services():
    ann, bob = UserFactory(), UserFactory()
    anns = _add(ann)

    with pytest.raises(SavedAddressNotFound):
        saved_address_default_set(user=bob, address_id=anns.pk)
    with pytest.raises(SavedAddressNotFound):
        saved_address_delete(user=bob, address_id=anns.pk)

    assert SavedAddress.objects.get(pk=anns.pk).is_default


@pytest.mark.django_db(transaction=True)
def test_two_tabs_making_different_addresses_the_default_leave_exactly_one():
    user = UserFactory()
    _add(user, address_line1="1 First Road")
    second = _add(user, address_line1="2 Second Road")
    third = _add(user, address_line1="3 Third Road")

    run_together(
        lambda: saved_address_default_set(user=user, address_id=second.pk),
        lambda: saved_address_default_set(user=user, address_id=third.pk),
    )

    assert len(_defaults(user)) == 1
    assert _defaults(user)[0] in ("2 Second Road", "3 Third Road")


@pytest.mark.django_db(transaction=True)
def test_deleting_the_default_while_another_tab_adds_the_first_of_a_new_book_leaves_one_default():
    user = UserFactory()
    only = _add(user, address_line1="1 First Road")

    run_together(
        lambda: saved_address_delete(user=user, address_id=only.pk),
        lambda: _add(user, address_line1="2 Second Road"),
    )

    assert _defaults(user) == ["2 Second Road"]


@pytest.mark.django_db(transaction=True)
def test_two_first_addresses_added_at_once_make_one_default():
    user = UserFactory()

    run_together(
        lambda: _add(user, address_line1="1 First Road"), lambda: _add(user, address_line1="2 Second Road")
    )

    assert SavedAddress.objects.filter(user=user).count() == 2
    assert len(_defaults(user)) == 1


# The data migration.


def test_the_migration_copies_a_profile_address_into_the_book_as_the_default_and_empties_the_profile():
    with_address = UserFactory(
        full_name="Ann Lee", phone="+8613800138000", city="杭州市", address_line1="18 West Lake Road"
    )
    without_street = UserFactory(phone="+8613900139000", city="Hangzhou")

    COPY.profile_addresses_copy(django_apps, None)
    COPY.profile_addresses_copy(django_apps, None)  # run again: nothing copied twice

    copied = SavedAddress.objects.get(user=with_address)
    assert (copied.recipient_name, copied.phone, copied.city, copied.address_line1, copied.is_default) == (
        "Ann Lee",
        "+8613800138000",
        "杭州市",
        "18 West Lake Road",
        True,
    )
    with_address.refresh_from_db()
    assert (with_address.phone, with_address.city, with_address.address_line1) == ("", "", "")
    assert not SavedAddress.objects.filter(user=without_street).exists()
    without_street.refresh_from_db()
    assert without_street.phone == "+8613900139000"


# The pages.


def test_adding_an_address_saves_it_checked_and_lists_it_with_the_national_phone(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account:address_add"), ADDRESS)

    assert response.status_code == 302
    assert response["Location"] == reverse("account:addresses")
    saved = SavedAddress.objects.get(user=user)
    assert {name: getattr(saved, name) for name in VALUES} == VALUES
    page = client.get(reverse("account:addresses")).content.decode()
    assert "浙江省 杭州市 西湖区 18 West Lake Road Flat 5" in page
    assert "138 0013 8000" in page
    assert "The address has been added to your address book." in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"recipient_name": " "}, "Enter the name of who receives the parcel."),
        ({"phone": "12345"}, "Enter a mainland China mobile number of 11 digits"),
        ({"district_code": ""}, "Choose a district."),
        ({"country": "US", "postal_code": "ABCDE", "city": "Palo Alto"}, "Enter a postal code in the format"),
        ({"address_line1": "x" * 1000}, "Ensure this value has at most 200 characters"),
    ],
)
def test_the_address_form_answers_bad_input_with_a_message_and_saves_nothing(client, overrides, message):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account:address_add"), ADDRESS | overrides)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SavedAddress.objects.filter(user=user).exists()


def test_a_full_book_refuses_another_address_with_a_message(client):
    user = UserFactory()
    for number in range(ADDRESS_BOOK_LIMIT):
        _add(user, address_line1=f"{number} Road")
    client.force_login(user)

    listing = client.get(reverse("account:addresses")).content.decode()
    response = client.post(reverse("account:address_add"), ADDRESS)

    assert "Your address book is full: it holds 20 addresses. Delete one to add another." in listing
    assert response.status_code == 409
    assert "Your address book is full" in response.content.decode()
    assert SavedAddress.objects.filter(user=user).count() == 20


def test_the_next_level_button_without_javascript_shows_the_districts_and_keeps_what_was_typed(client):
    client.force_login(UserFactory())
    typed = ADDRESS | {
        "province_code": "44",
        "city_code": "4401",
        "district_code": "",
        "address_step": "city",
    }

    response = client.post(reverse("account:address_add"), typed)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="440106">天河区</option>' in page
    assert 'value="18 West Lake Road"' in page
    assert "errorlist" not in page
    assert not SavedAddress.objects.exists()


def test_editing_an_address_changes_it(client):
    user = UserFactory()
    address = _add(user)
    client.force_login(user)

    form = client.get(reverse("account:address_edit", args=[address.pk])).content.decode()
    response = client.post(
        reverse("account:address_edit", args=[address.pk]), ADDRESS | {"address_line1": "20 Lake Road"}
    )

    assert 'value="18 West Lake Road"' in form
    assert '<option value="330106" selected>西湖区</option>' in form
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.address_line1 == "20 Lake Road"


def test_deleting_asks_first_and_then_deletes_on_post(client):
    user = UserFactory()
    address = _add(user)
    client.force_login(user)

    confirm = client.get(reverse("account:address_delete", args=[address.pk]))
    assert SavedAddress.objects.filter(pk=address.pk).exists()
    response = client.post(reverse("account:address_delete", args=[address.pk]))

    assert confirm.status_code == 200
    assert "Delete this address?" in confirm.content.decode()
    assert response.status_code == 302
    assert not SavedAddress.objects.filter(pk=address.pk).exists()


def test_make_default_is_a_post_and_the_list_shows_the_default_first(client):
    user = UserFactory()
    _add(user, address_line1="1 First Road")
    second = _add(user, address_line1="2 Second Road")
    client.force_login(user)

    refused = client.get(reverse("account:address_default", args=[second.pk]))
    response = client.post(reverse("account:address_default", args=[second.pk]))

    assert refused.status_code == 405
    assert response.status_code == 302
    page = client.get(reverse("account:addresses")).content.decode()
    assert page.index("2 Second Road") < page.index("1 First Road")


@pytest.mark.parametrize(
    "method, name",
    [
        ("get", "account:address_edit"),
        ("post", "account:address_edit"),
        ("get", "account:address_delete"),
        ("post", "account:address_delete"),
        ("post", "account:address_default"),
    ],
)
def test_another_customers_address_is_a_404_and_stays_as_it_was(client, method, name):
    owner = UserFactory()
    address = _add(owner)
    client.force_login(UserFactory())

    response = getattr(client, method)(
        reverse(name, args=[address.pk]), ADDRESS | {"address_line1": "Stolen"}
    )

    assert response.status_code == 404
    address.refresh_from_db()
    assert (address.address_line1, address.is_default) == ("18 West Lake Road", True)


def test_a_missing_address_is_a_404_like_another_customers(client):
    client.force_login(UserFactory())

    response = client.get(reverse("account:address_edit", args=[999999]))

    assert response.status_code == 404


def test_the_address_pages_need_a_signed_in_customer(client):
    response = client.get(reverse("account:addresses"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:login"))


def test_the_account_page_shows_the_default_address_and_links_the_book(client):
    user = UserFactory()
    _add(user)
    client.force_login(user)

    page = client.get(reverse("account:home")).content.decode()

    assert "浙江省 杭州市 西湖区 18 West Lake Road Flat 5" in page
    assert reverse("account:addresses") in page


def test_the_address_list_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    for number in range(5):
        _add(user, address_line1=f"{number} Road")
    client.force_login(user)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("account:addresses"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "phone", ["12345", "+86 138 0013 8000", "138-0013-8000", "call me", "+1 (555) 010-9999"]
)
def test_the_address_book_and_the_checkout_accept_the_same_phone_numbers(phone):
    book = SavedAddressForm(data=ADDRESS | {"phone": phone})
    checkout = CheckoutForm(
        data=ADDRESS | {"full_name": "Ann Lee", "phone": phone},
        pricing=CartPricing(pricing=Pricing(subtotal=Decimal("10.00"))),
    )

    book.is_valid()
    checkout.is_valid()

    assert book.errors.get("phone") == checkout.errors.get("phone")
