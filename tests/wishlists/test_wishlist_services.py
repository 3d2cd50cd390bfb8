"""Wishlist writes under concurrency, and the customer's data in the privacy export and erasure."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from shop.models import User
from shop.privacy import privacy_part_list
from tests.factories import UserFactory
from tests.helpers import run_together, staff_login
from tests.wishlists.helpers import tea
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.services import wishlist_item_add


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_the_same_product_at_once_make_one_item():
    user = UserFactory()
    product = tea()

    def save():
        return wishlist_item_add(
            user=User.objects.get(pk=user.pk),
            product_id=product.pk,
            category_ids=[product.category_id],
            language="en",
        )[1]

    added = run_together(save, save, save)

    assert sorted(added) == [False, False, True]
    assert WishlistItem.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_saves_at_once_never_pass_the_limit(monkeypatch):
    monkeypatch.setattr("wishlists.services.WISHLIST_MAX_ITEMS", 3)
    user = UserFactory()
    products = [tea(name=f"Tea {n}") for n in range(6)]

    def saver(product):
        def save():
            try:
                return wishlist_item_add(
                    user=User.objects.get(pk=user.pk),
                    product_id=product.pk,
                    category_ids=[product.category_id],
                    language="en",
                )[1]
            except Exception as error:
                return type(error).__name__

        return save

    results = run_together(*(saver(product) for product in products))

    assert sorted(map(str, results)) == ["True"] * 3 + ["WishlistFull"] * 3
    assert WishlistItem.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_the_privacy_export_and_erasure_cover_the_wishlist():
    user = UserFactory()
    product = tea(name="Silver Needle")
    wishlist_item_add(user=user, product_id=product.pk, category_ids=[product.category_id], language="en")
    WishlistNotice.objects.create(user=user, entries=[])
    part = next(part for part in privacy_part_list() if part.key == "wishlist")

    exported = part.export(user)
    part.erase(user)

    assert [item["product"] for item in exported["items"]] == ["Silver Needle"]
    assert exported["items"][0]["added_price"] == "88.00"
    assert len(exported["emails"]) == 1
    assert not WishlistItem.objects.filter(user=user).exists()
    assert not WishlistNotice.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_catalogue_managers_read_wishlists_in_the_admin_and_change_nothing(client):
    manager = UserFactory(is_staff=True)
    manager.groups.add(Group.objects.get(name="Catalogue managers"))
    user = UserFactory(email="ann@example.com")
    product = tea(name="Silver Needle")
    wishlist_item_add(user=user, product_id=product.pk, category_ids=[product.category_id], language="en")
    staff_login(client, manager)

    listing = client.get(reverse("admin:wishlists_wishlistitem_changelist"))
    emails = client.get(reverse("admin:wishlists_wishlistnotice_changelist"))

    assert listing.status_code == 200
    assert "Silver Needle" in listing.content.decode()
    assert "ann@example.com" in listing.content.decode()
    assert emails.status_code == 403
    assert not {
        codename
        for codename in manager.groups.get().permissions.values_list("codename", flat=True)
        if "wishlist" in codename and not codename.startswith("view_")
    }
