"""The address book: several addresses per customer, exactly one default, only the owner's."""

import importlib

import pytest
from django.apps import apps as django_apps

from accounts.exceptions import AddressBookFull, SavedAddressNotFound
from accounts.models import ADDRESS_BOOK_LIMIT, SavedAddress
from accounts.services import (
    saved_address_create_for_order,
    saved_address_default_set,
    saved_address_delete,
)
from tests.accounts.helpers import VALUES, _add
from tests.factories import UserFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db

COPY = importlib.import_module("accounts.migrations.0003_saved_address")


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
