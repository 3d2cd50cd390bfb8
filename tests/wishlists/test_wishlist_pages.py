"""The wishlist as shoppers use it: saving on a product page, the list, removing, and signing in."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.wishlists.helpers import tea, variant_set
from wishlists.models import WishlistItem
from wishlists.services import wishlist_item_add
from wishlists.session import WISHLIST_SESSION_KEY

pytestmark = pytest.mark.django_db

ADD = "/wishlist/add/"
REMOVE = "/wishlist/remove/"
NOTIFY = "/wishlist/emails/"
WISHLIST = "/wishlist/"


def test_the_product_page_offers_to_save_the_product(client):
    product = tea()

    page = client.get(product.get_absolute_url()).content.decode()

    assert 'action="/wishlist/add/"' in page
    assert f'name="product" value="{product.pk}"' in page


def test_a_customer_saves_a_product_and_finds_it_on_the_wishlist(client):
    user = UserFactory()
    product = tea(name="Silver Needle", price="88.00")
    client.force_login(user)

    response = client.post(ADD, {"product": product.pk}, follow=True)

    assert response.redirect_chain == [(product.get_absolute_url(), 302)]
    assert "Silver Needle is saved on your wishlist." in response.content.decode()
    item = WishlistItem.objects.get(user=user)
    assert (item.product_id, item.added_price, item.notify) == (product.pk, Decimal("88.00"), False)
    page = client.get(WISHLIST).content.decode()
    assert "Silver Needle" in page
    assert "¥88.00" in page


def test_saving_twice_keeps_one_item_and_says_so(client):
    user = UserFactory()
    product = tea(name="Silver Needle")
    client.force_login(user)
    client.post(ADD, {"product": product.pk})

    response = client.post(ADD, {"product": product.pk}, follow=True)

    assert "Silver Needle is on your wishlist already." in response.content.decode()
    assert WishlistItem.objects.filter(user=user).count() == 1


def test_a_guest_saves_in_the_session_and_sees_the_list(client):
    product = tea(name="Silver Needle")

    client.post(ADD, {"product": product.pk})
    page = client.get(WISHLIST).content.decode()

    assert client.session[WISHLIST_SESSION_KEY] == [product.pk]
    assert "Silver Needle" in page
    assert "Sign in</a> to keep it in your account" in page
    assert WishlistItem.objects.count() == 0


def test_a_guests_wishlist_joins_the_account_at_sign_in(client):
    user = UserFactory(email="ann@example.com")
    first, second, already = tea(name="First"), tea(name="Second"), tea(name="Already kept")
    WishlistItem.objects.create(user=user, product=already, added_price=Decimal("1.00"))
    for product in (first, second, already):
        client.post(ADD, {"product": product.pk})

    client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": "correct-horse-battery"}
    )

    items = WishlistItem.objects.filter(user=user).order_by("-added_at", "-id")
    assert [item.product.name for item in items] == ["Second", "First", "Already kept"]
    assert items.get(product=already).added_price == Decimal("1.00")
    assert WISHLIST_SESSION_KEY not in client.session


def test_removing_takes_the_product_off_for_a_customer_and_a_guest(client):
    product = tea()
    client.post(ADD, {"product": product.pk})

    client.post(REMOVE, {"product": product.pk})

    assert client.session[WISHLIST_SESSION_KEY] == []
    user = UserFactory()
    client.force_login(user)
    client.post(ADD, {"product": product.pk})
    response = client.post(REMOVE, {"product": product.pk}, follow=True)
    assert response.redirect_chain == [(WISHLIST, 302)]
    assert "Removed from your wishlist." in response.content.decode()
    assert not WishlistItem.objects.filter(user=user).exists()


@pytest.mark.parametrize("value", ["", "tea", "-3", "0", str(2**63), "1.5"])
def test_a_malformed_product_is_refused_with_400_and_a_message(client, value):
    response = client.post(ADD, {"product": value})

    assert response.status_code == 400
    assert "we could not tell which product you meant" in response.content.decode()


def test_a_hidden_or_unknown_product_cannot_be_saved(client):
    hidden = tea()
    hidden.is_active = False
    hidden.save()

    for product_id in (hidden.pk, hidden.pk + 1000):
        response = client.post(ADD, {"product": product_id})

        assert response.status_code == 404
        assert "that product is no longer available" in response.content.decode()
    assert WISHLIST_SESSION_KEY not in client.session


def test_a_full_wishlist_refuses_one_more_with_409(client, settings):
    settings.WISHLIST_MAX_ITEMS = 2
    user = UserFactory()
    first, second, third = tea(name="First"), tea(name="Second"), tea(name="Third")
    client.force_login(user)
    client.post(ADD, {"product": first.pk})
    client.post(ADD, {"product": second.pk})

    response = client.post(ADD, {"product": third.pk})

    assert response.status_code == 409
    assert "Your wishlist is full (2 products)" in response.content.decode()
    assert set(WishlistItem.objects.filter(user=user).values_list("product__name", flat=True)) == {
        "First",
        "Second",
    }


def test_saving_again_on_a_full_wishlist_still_says_it_is_saved(client, settings):
    settings.WISHLIST_MAX_ITEMS = 1
    product = tea(name="Silver Needle")
    client.force_login(UserFactory())
    client.post(ADD, {"product": product.pk})

    response = client.post(ADD, {"product": product.pk}, follow=True)

    assert "Silver Needle is on your wishlist already." in response.content.decode()


def test_a_product_withdrawn_later_stays_listed_as_no_longer_available(client):
    user = UserFactory()
    product = tea(name="Silver Needle")
    client.force_login(user)
    client.post(ADD, {"product": product.pk})
    product.is_active = False
    product.save()

    page = client.get(WISHLIST).content.decode()

    assert "Silver Needle" in page
    assert "No longer available" in page
    assert f'href="{product.get_absolute_url()}"' not in page


def test_the_list_says_when_a_product_is_cheaper_than_when_saved(client):
    user = UserFactory()
    product = tea(price="88.00")
    client.force_login(user)
    client.post(ADD, {"product": product.pk})

    variant_set(product, price="66.00")
    page = client.get(WISHLIST).content.decode()

    assert "Cheaper than when you saved it (¥88.00)" in page
    assert "¥66.00" in page


def test_a_customer_switches_emails_on_and_off_for_one_product(client):
    user = UserFactory()
    product = tea()
    client.force_login(user)
    client.post(ADD, {"product": product.pk})

    client.post(NOTIFY, {"product": product.pk, "notify": "1"})
    on = WishlistItem.objects.get(user=user).notify
    response = client.post(NOTIFY, {"product": product.pk, "notify": "0"}, follow=True)

    assert on is True
    assert WishlistItem.objects.get(user=user).notify is False
    assert "No more emails about it." in response.content.decode()


def test_a_guest_is_sent_to_sign_in_and_back_to_the_list_before_asking_for_emails(client):
    product = tea()

    response = client.post(NOTIFY, {"product": product.pk, "notify": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account:login") + "?next=/wishlist/"


def test_emails_for_a_product_not_on_the_list_are_refused_with_404(client):
    client.force_login(UserFactory())

    response = client.post(NOTIFY, {"product": tea().pk, "notify": "1"})

    assert response.status_code == 404
    assert "not on your wishlist any more" in response.content.decode()


def test_the_wishlist_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    products = [tea(name=f"Tea {n}") for n in range(8)]
    client.force_login(user)
    for product in products:
        client.post(ADD, {"product": product.pk})
    client.get(WISHLIST)

    with django_assert_max_num_queries(6):
        page = client.get(WISHLIST).content.decode()

    assert page.count('class="product-card"') == 8


def test_the_wishlist_page_is_in_chinese(client):
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    client.post(ADD, {"product": tea(name="白毫银针").pk})

    page = client.get(WISHLIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "心愿单" in page
    assert "白毫银针" in page
    assert "降价或到货时发邮件提醒我" in page


def test_a_guests_full_list_lets_go_of_deleted_products_to_make_room(client, settings):
    settings.WISHLIST_MAX_ITEMS = 3
    kept, deleted, other, new = tea(name="Kept"), tea(name="Deleted"), tea(name="Other"), tea(name="New")
    for product in (kept, deleted, other):
        client.post(ADD, {"product": product.pk})
    deleted_id = deleted.pk
    deleted.delete()

    response = client.post(ADD, {"product": new.pk})

    assert response.status_code == 302
    assert client.session[WISHLIST_SESSION_KEY] == [new.pk, other.pk, kept.pk]
    assert deleted_id not in client.session[WISHLIST_SESSION_KEY]


def test_a_guests_full_list_of_products_still_there_refuses_one_more(client, settings):
    settings.WISHLIST_MAX_ITEMS = 1
    first, second = tea(name="First"), tea(name="Second")
    client.post(ADD, {"product": first.pk})

    response = client.post(ADD, {"product": second.pk})

    assert response.status_code == 409
    assert client.session[WISHLIST_SESSION_KEY] == [first.pk]


def test_a_product_in_a_hidden_category_cannot_be_saved(client):
    product = tea()
    product.category.is_active = False
    product.category.save()
    client.force_login(UserFactory())

    response = client.post(ADD, {"product": product.pk})

    assert response.status_code == 404
    assert not WishlistItem.objects.exists()


def test_removing_a_product_not_on_the_list_says_so(client):
    client.force_login(UserFactory())

    response = client.post(REMOVE, {"product": tea().pk}, follow=True)

    assert "It was not on your wishlist." in response.content.decode()


def test_the_wishlist_answers_head_and_refuses_put(client):
    assert client.head(WISHLIST).status_code == 200
    assert client.put(WISHLIST).status_code == 405


def test_a_guests_wishlist_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    products = [tea(name=f"Tea {n}") for n in range(8)]
    for product in products:
        client.post(ADD, {"product": product.pk})
    client.get(WISHLIST)

    with django_assert_max_num_queries(4):
        page = client.get(WISHLIST).content.decode()

    assert page.count('class="product-card"') == 8


def test_a_bad_email_switch_value_is_refused_with_400(client):
    user = UserFactory()
    product = tea()
    client.force_login(user)
    client.post(ADD, {"product": product.pk})

    response = client.post(NOTIFY, {"product": product.pk, "notify": "maybe"})

    assert response.status_code == 400
    assert "whether you want these emails" in response.content.decode()
    assert WishlistItem.objects.get(user=user).notify is False


def test_an_unverified_customer_is_asked_to_verify_before_emails_are_offered(client):
    client.force_login(UserFactory(email_verified_at=None))
    client.post(ADD, {"product": tea().pk})

    page = client.get(WISHLIST).content.decode()

    assert "Verify your email address to get emails about your wishlist." in page
    assert 'name="notify" value="1"' not in page


def test_signing_in_with_a_full_account_keeps_the_latest_saved_and_says_what_was_left_out(client, settings):
    settings.WISHLIST_MAX_ITEMS = 3
    user = UserFactory(email="ann@example.com")
    kept_a, kept_b, older, withdrawn, newest = (
        tea(name=name) for name in ("A", "B", "Older", "Gone", "Newest")
    )
    for product in (kept_a, kept_b):
        wishlist_item_add(user=user, product_id=product.pk, category_ids=[product.category_id], language="en")
    for product in (older, withdrawn, newest):
        client.post(ADD, {"product": product.pk})
    withdrawn.is_active = False
    withdrawn.save()

    response = client.post(
        reverse("account:login"),
        {"username": "ann@example.com", "password": "correct-horse-battery"},
        follow=True,
    )

    assert [item.product.name for item in WishlistItem.objects.filter(user=user)] == ["Newest", "B", "A"]
    assert "so 1 product saved in this browser was not added to it" in response.content.decode()
