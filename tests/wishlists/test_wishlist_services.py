"""Wishlist writes under concurrency, and the customer's data in the privacy export and erasure."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from shop.models import User
from shop.privacy import privacy_part_list
from tests.factories import UserFactory
from tests.helpers import run_together, staff_login
from tests.wishlists.helpers import tea
from wishlists.exceptions import WishlistFull
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.services import wishlist_item_add, wishlist_session_merge
from wishlists.session import WISHLIST_SESSION_KEY


def _saver(user, product):
    """A job for another thread: the customer saves the product; True, False or the refusal's name."""

    def save():
        try:
            return wishlist_item_add(
                user=User.objects.get(pk=user.pk),
                product_id=product.pk,
                category_ids=[product.category_id],
                language="en",
            )[1]
        except WishlistFull as error:
            return type(error).__name__

    return save


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_the_same_product_at_once_make_one_item():
    user = UserFactory()
    product = tea()

    added = run_together(*(_saver(user, product) for _ in range(3)))

    assert sorted(added) == [False, False, True]
    assert WishlistItem.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_saves_at_once_never_pass_the_limit(settings):
    settings.WISHLIST_MAX_ITEMS = 3
    user = UserFactory()
    products = [tea(name=f"Tea {n}") for n in range(6)]

    results = run_together(*(_saver(user, product) for product in products))

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
def test_catalogue_managers_read_products_counted_and_support_agents_read_who_keeps_what(client):
    manager = UserFactory(is_staff=True)
    manager.groups.add(Group.objects.get(name="Catalogue managers"))
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agents"))
    product = tea(name="Silver Needle")
    for email in ("ann@example.com", "lee@example.com"):
        wishlist_item_add(
            user=UserFactory(email=email),
            product_id=product.pk,
            category_ids=[product.category_id],
            language="en",
        )

    staff_login(client, manager)
    counted = client.get(reverse("admin:wishlists_wishedproduct_changelist"))
    per_customer_to_manager = client.get(reverse("admin:wishlists_wishlistitem_changelist"))
    staff_login(client, agent)
    found = client.get(reverse("admin:wishlists_wishlistitem_changelist"), {"q": "ANN@example.com"})

    assert counted.status_code == 200
    assert "Silver Needle" in counted.content.decode()
    assert '<td class="field-kept">2</td>' in counted.content.decode()
    assert "ann@example.com" not in counted.content.decode()
    assert per_customer_to_manager.status_code == 403
    assert found.status_code == 200
    assert "ann@example.com" in found.content.decode()
    assert "lee@example.com" not in found.content.decode()
    changing = {
        codename
        for group in Group.objects.filter(name__in=["Catalogue managers", "Support agents"])
        for codename in group.permissions.values_list("codename", flat=True)
        if "wish" in codename and not codename.startswith("view_")
    }
    assert changing == set()


@pytest.mark.django_db(transaction=True)
def test_two_sign_ins_at_once_never_pass_the_limit_or_save_a_product_twice(settings):
    settings.WISHLIST_MAX_ITEMS = 3
    user = UserFactory()
    products = [tea(name=f"Tea {n}") for n in range(5)]
    category_ids = [product.category_id for product in products]

    def merger(ids):
        def merge():
            session = {WISHLIST_SESSION_KEY: ids}
            return wishlist_session_merge(
                user=User.objects.get(pk=user.pk), session=session, category_ids=category_ids, language="en"
            )

        return merge

    run_together(
        merger([products[0].pk, products[1].pk, products[2].pk]),
        merger([products[2].pk, products[3].pk, products[4].pk]),
    )

    saved = list(WishlistItem.objects.filter(user=user).values_list("product_id", flat=True))
    assert len(saved) == 3
    assert len(set(saved)) == 3
