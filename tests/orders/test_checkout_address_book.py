"""Checkout with a customer's address book: choose a saved address, or type a new one and save it."""

import re
import uuid

import pytest
from django.urls import reverse

from accounts.models import ADDRESS_BOOK_LIMIT, SavedAddress
from accounts.services import saved_address_create
from orders.models import Order
from orders.services import order_place
from tests.factories import UserFactory, VariantFactory
from tests.helpers import run_together
from tests.orders.helpers import cart_with, checkout_data, checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

SAVED = {
    "recipient_name": "Li Lei",
    "phone": "+8613900139000",
    "country": "CN",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "province_code": "44",
    "city_code": "4401",
    "district_code": "440106",
    "postal_code": "510000",
    "address_line1": "天河路 385 号",
    "address_line2": "",
}
# What the new-address fields hold when a saved address is chosen without JavaScript: nothing.
EMPTY_NEW_ADDRESS = {
    "full_name": "",
    "phone": "",
    "province_code": "",
    "city_code": "",
    "district_code": "",
    "postal_code": "",
    "address_line1": "",
}


@pytest.fixture
def customer(client):
    user = UserFactory(email="ann@example.com", full_name="Ann Lee")
    client.force_login(user)
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return user


def _save(user, **overrides) -> SavedAddress:
    return saved_address_create(user=user, values=SAVED | overrides)


def _place(client, **overrides):
    data = checkout_post(shipping=standard_shipping(), token=uuid.uuid4(), **overrides)
    return client.post(reverse("orders:checkout"), data), data


def test_the_page_offers_the_saved_addresses_as_cards_with_the_default_chosen(client, customer):
    _save(customer, address_line1="1 Other Road")
    default = _save(customer)
    client.post(reverse("account:address_default", args=[default.pk]))

    page = client.get(reverse("orders:checkout")).content.decode()

    assert f'name="saved_address" value="{default.pk}" checked' in page
    assert page.index("天河路 385 号") < page.index("1 Other Road")
    assert "139 0013 9000" in page
    assert 'name="saved_address" value="new"' in page
    assert 'name="address_save"' in page


def test_choosing_a_saved_address_ships_there_and_ignores_the_empty_new_address_fields(client, customer):
    chosen = _save(customer)

    response, _data = _place(client, saved_address=str(chosen.pk), address_save="on", **EMPTY_NEW_ADDRESS)

    assert response.status_code == 302
    order = Order.objects.get()
    assert (
        order.full_name,
        order.phone,
        order.province,
        order.city,
        order.district,
        order.address_line1,
    ) == (
        "Li Lei",
        "+8613900139000",
        "广东省",
        "广州市",
        "天河区",
        "天河路 385 号",
    )
    assert order.district_code == "440106"
    assert SavedAddress.objects.filter(user=customer).count() == 1


def test_the_order_keeps_its_copy_when_the_saved_address_changes_later(client, customer):
    chosen = _save(customer)
    _place(client, saved_address=str(chosen.pk), **EMPTY_NEW_ADDRESS)

    client.post(
        reverse("account:address_edit", args=[chosen.pk]),
        SAVED | {"phone": "13900139000", "address_line1": "New Road 1"},
    )

    assert Order.objects.get().address_line1 == "天河路 385 号"


def test_a_new_address_is_placed_and_saved_to_the_book_not_as_the_default(client, customer):
    _save(customer)

    response, _data = _place(client, saved_address="new", address_save="on")

    assert response.status_code == 302
    assert Order.objects.get().address_line1 == "18 West Lake Road"
    new = SavedAddress.objects.get(user=customer, address_line1="18 West Lake Road")
    assert (new.recipient_name, new.phone, new.district, new.is_default) == (
        "Ann Lee",
        "+8613800138000",
        "西湖区",
        False,
    )


def test_a_new_address_without_the_box_ticked_is_not_saved(client, customer):
    _save(customer)

    _place(client, saved_address="new")

    assert Order.objects.get().address_line1 == "18 West Lake Road"
    assert SavedAddress.objects.filter(user=customer).count() == 1


def test_a_new_address_is_checked_like_any_other(client, customer):
    _save(customer)

    response, _data = _place(client, saved_address="new", address_save="on", district_code="")

    assert response.status_code == 400
    assert "Choose a district." in response.content.decode()
    assert not Order.objects.exists()
    assert SavedAddress.objects.filter(user=customer).count() == 1


def test_the_first_address_a_customer_saves_at_checkout_becomes_the_default(client, customer):
    page = client.get(reverse("orders:checkout")).content.decode()

    _place(client, address_save="on")

    assert 'name="saved_address"' not in page
    assert 'name="address_save" id="id_address_save" checked' in page
    assert SavedAddress.objects.get(user=customer).is_default


def test_submitting_the_same_checkout_twice_makes_one_order_and_saves_the_address_once(client, customer):
    data = checkout_post(shipping=standard_shipping(), token=uuid.uuid4(), address_save="on")

    first = client.post(reverse("orders:checkout"), data)
    second = client.post(reverse("orders:checkout"), data)

    assert first.status_code == second.status_code == 302
    assert Order.objects.count() == 1
    assert SavedAddress.objects.filter(user=customer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_of_one_checkout_save_the_address_once():
    user = UserFactory()
    variant = VariantFactory(stock=5)
    checkout = checkout_data(user=user, address_save=True)
    token = uuid.uuid4()

    run_together(
        lambda: order_place(cart=cart_with((variant, 1)), checkout=checkout, token=token),
        lambda: order_place(cart=cart_with((variant, 1)), checkout=checkout, token=token),
    )

    assert Order.objects.count() == 1
    assert SavedAddress.objects.filter(user=user).count() == 1


def test_another_customers_saved_address_is_refused_and_nothing_is_placed(client, customer):
    _save(customer)
    someone_elses = _save(UserFactory())

    response, _data = _place(client, saved_address=str(someone_elses.pk), **EMPTY_NEW_ADDRESS)

    assert response.status_code == 400
    assert (
        "That address is no longer in your address book; please choose another." in response.content.decode()
    )
    assert not Order.objects.exists()


def test_a_full_book_offers_no_box_and_the_order_is_placed_without_saving(client, customer):
    for number in range(ADDRESS_BOOK_LIMIT):
        _save(customer, address_line1=f"{number} Road")

    page = client.get(reverse("orders:checkout")).content.decode()
    response, _data = _place(client, saved_address="new", address_save="on")

    assert 'name="address_save"' not in page
    assert "Your address book is full, so a new address is not saved to it." in page
    assert response.status_code == 302
    assert SavedAddress.objects.filter(user=customer).count() == ADDRESS_BOOK_LIMIT


def test_a_guest_sees_no_address_book_and_a_posted_save_box_saves_nothing(client):
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})

    page = client.get(reverse("orders:checkout")).content.decode()
    response, _data = _place(client, address_save="on", saved_address="1")

    assert 'name="saved_address"' not in page
    assert 'name="address_save"' not in page
    assert response.status_code == 302
    assert not SavedAddress.objects.exists()


def test_a_saved_address_is_shown_escaped_on_the_checkout_page_and_in_the_book(client, customer):
    _save(
        customer, recipient_name="<script>alert(1)</script>", address_line1='"><img src=x onerror=alert(1)>'
    )

    pages = [client.get(reverse(name)).content.decode() for name in ("orders:checkout", "account:addresses")]

    for page in pages:
        assert "<script>alert(1)</script>" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_saved_address_without_its_district_must_be_completed_before_ordering(client, customer):
    # Moved from a profile written before addresses in China were chosen by district.
    old = _save(customer, district="", province_code="", city_code="", district_code="")

    response, _data = _place(client, saved_address=str(old.pk), **EMPTY_NEW_ADDRESS)

    assert response.status_code == 400
    assert "This address has no district yet" in response.content.decode()
    assert not Order.objects.exists()


def test_an_unticked_save_box_stays_unticked_after_the_page_steps_to_the_next_division(client, customer):
    _save(customer)
    post = checkout_post(shipping=standard_shipping(), token=uuid.uuid4(), saved_address="new")
    post.update(province_code="44", city_code="", district_code="", address_step="province_code")

    client.post(reverse("orders:checkout_address_step"), post)  # "address_save" not ticked: not posted
    page = client.get(reverse("orders:checkout")).content.decode()

    (box,) = re.findall(r'<input[^>]*name="address_save"[^>]*>', page)
    assert "checked" not in box
