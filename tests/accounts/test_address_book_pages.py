"""The address book's pages: adding, editing, deleting and choosing the default, only the owner's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.forms import SavedAddressForm
from accounts.models import ADDRESS_BOOK_LIMIT, SavedAddress
from cart.pricing import CartPricing
from orders.forms import CheckoutForm
from promotions.pricing import Pricing
from tests.accounts.helpers import ADDRESS, VALUES, _add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
