"""Storefront pages: a fixed, small number of queries, and cache entries that an edit retires at once."""

import re
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.context_processors import catalog
from catalog.models import CatalogRevision, ProductImage, Variant
from catalog.services import catalog_mark_changed
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

# Cold: revision, category tree, count, page of products (cards carry price, stock
# and first image as annotations). Product page: revision, tree, product, variants, images,
# recommendations. Home: revision, tree, featured, newest, bestsellers.
LISTING_COLD_QUERIES = 5  # revision, category tree, capped count, page ids, cards
# Relevance has numbered pages only: one query reads and counts the ids of all of them.
SEARCH_COLD_QUERIES = 4
PRODUCT_COLD_QUERIES = 6
HOME_COLD_QUERIES = 5
WARM_QUERIES = 1  # the catalogue revision


def main_of(response) -> str:
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def catalogue_of(size: int):
    """``size`` products in a two-level category tree, each with two variants and two photos."""
    tea = CategoryFactory(slug="tea")
    green = CategoryFactory(slug="green", parent=tea)
    products = []
    for number in range(size):
        product = ProductFactory(
            name=f"Tea {number:03d}", slug=f"tea-{number:03d}", category=green if number % 2 else tea
        )
        product.is_featured = number % 3 == 0
        product.save()
        VariantFactory(product=product, price=Decimal("10.00"), stock=number % 4, options={"Size": "S"})
        VariantFactory(product=product, price=Decimal("12.00"), stock=2, options={"Size": "L"})
        for position in range(2):
            ProductImage.objects.create(
                product=product,
                image=SimpleUploadedFile(
                    f"tea{number}-{position}.png", image_bytes(size=(8, 8), image_format="PNG")
                ),
                alt_text=f"Tea {number} photo {position}",
                position=position,
            )
        products.append(product)
    return products


@pytest.mark.parametrize("size", [3, 30])
def test_product_list_queries_do_not_grow_with_catalogue_size(client, django_assert_num_queries, size):
    catalogue_of(size)

    with django_assert_num_queries(LISTING_COLD_QUERIES):
        cold = client.get("/products/?sort=price&in_stock=1")
    with django_assert_num_queries(WARM_QUERIES):
        warm = client.get("/products/?sort=price&in_stock=1")

    assert cold.status_code == warm.status_code == 200
    assert main_of(warm) == main_of(cold)


@pytest.mark.parametrize("size", [3, 30])
def test_search_queries_do_not_grow_with_catalogue_size(client, django_assert_num_queries, size):
    catalogue_of(size)

    with django_assert_num_queries(SEARCH_COLD_QUERIES):
        client.get("/products/?q=tea")
    with django_assert_num_queries(WARM_QUERIES):
        response = client.get("/products/?q=tea")

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_category_page_queries_do_not_grow_with_catalogue_size(client, django_assert_num_queries, size):
    catalogue_of(size)

    with django_assert_num_queries(LISTING_COLD_QUERIES):
        client.get("/category/tea/")
    with django_assert_num_queries(WARM_QUERIES):
        response = client.get("/category/tea/")

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_product_page_queries_do_not_grow_with_catalogue_size(client, django_assert_num_queries, size):
    catalogue_of(size)

    with django_assert_num_queries(PRODUCT_COLD_QUERIES):
        client.get("/products/tea-001/")
    with django_assert_num_queries(WARM_QUERIES):
        response = client.get("/products/tea-001/")

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_home_queries_do_not_grow_with_catalogue_size(client, django_assert_num_queries, size):
    catalogue_of(size)

    with django_assert_num_queries(HOME_COLD_QUERIES):
        client.get("/")
    with django_assert_num_queries(WARM_QUERIES):
        response = client.get("/")

    assert response.status_code == 200


def test_no_catalogue_page_needs_more_than_six_queries_cold(client, django_assert_max_num_queries):
    catalogue_of(5)

    for url in [
        "/",
        "/products/",
        "/products/?q=tea&sort=-price&page=2",
        "/category/green/",
        "/products/tea-002/",
    ]:
        with django_assert_max_num_queries(6):
            client.get(url)


def test_a_hidden_product_is_remembered_as_missing_until_the_catalogue_changes(
    client, django_assert_num_queries
):
    VariantFactory(product=ProductFactory(slug="secret", is_active=False))

    client.get("/products/secret/")
    with django_assert_num_queries(WARM_QUERIES):
        response = client.get("/products/secret/")

    assert response.status_code == 404


def test_warm_page_is_served_from_the_cache_until_the_revision_changes(
    client, django_capture_on_commit_callbacks
):
    variant = VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    client.get("/products/sencha/")
    # QuerySet.update() sends no signal: the cached page stays until someone marks the change.
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("25.00"))

    stale = client.get("/products/sencha/")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_mark_changed()
    fresh = client.get("/products/sencha/")

    assert "¥20.00" in stale.content.decode()
    assert "¥25.00" in fresh.content.decode()


def test_price_edit_shows_at_once_on_product_list_category_and_product_pages(
    client, django_capture_on_commit_callbacks
):
    category = CategoryFactory(slug="tea")
    variant = VariantFactory(product=ProductFactory(slug="sencha", category=category), price=Decimal("20.00"))
    urls = ["/", "/products/", "/category/tea/", "/products/sencha/"]
    for url in urls:
        assert "¥20.00" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        variant.price = Decimal("17.50")
        variant.save()

    for url in urls:
        html = client.get(url).content.decode()
        assert "¥17.50" in html
        assert "¥20.00" not in html


def test_stock_edit_shows_at_once(client, django_capture_on_commit_callbacks):
    variant = VariantFactory(product=ProductFactory(slug="sencha"), stock=8)
    assert "Out of stock" not in client.get("/products/sencha/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        variant.stock = 0
        variant.save()

    assert "Out of stock" in client.get("/products/sencha/").content.decode()


def test_deactivating_a_category_hides_it_at_once(client, django_capture_on_commit_callbacks):
    category = CategoryFactory(name="Seasonal", slug="seasonal")
    VariantFactory(product=ProductFactory(slug="mooncake-tea", category=category))
    assert client.get("/category/seasonal/").status_code == 200
    assert client.get("/products/mooncake-tea/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        category.is_active = False
        category.save()

    assert client.get("/category/seasonal/").status_code == 404
    assert client.get("/products/mooncake-tea/").status_code == 404
    assert "Seasonal" not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_committed_price_edit_shows_at_once_across_real_transactions(client):
    # A transactional test database is flushed between tests, taking the
    # revision row (made by a data migration) with it.
    CatalogRevision.objects.get_or_create(pk=1)
    variant = VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    assert "¥20.00" in client.get("/products/sencha/").content.decode()
    assert "¥20.00" in client.get("/products/").content.decode()

    variant.price = Decimal("23.40")
    variant.save()

    assert "¥23.40" in client.get("/products/sencha/").content.decode()
    assert "¥23.40" in client.get("/products/").content.decode()


def test_pages_are_cached_per_language(client, django_assert_num_queries):
    VariantFactory(product=ProductFactory(slug="sencha"))
    client.get("/products/", HTTP_ACCEPT_LANGUAGE="en")

    with django_assert_num_queries(LISTING_COLD_QUERIES - 1):  # the tree is shared by languages
        chinese = client.get("/products/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert '<html lang="zh-hans">' in chinese.content.decode()


def test_without_the_revision_row_pages_still_work_but_are_not_cached(client, django_assert_num_queries):
    VariantFactory(product=ProductFactory(name="Sencha", slug="sencha"))
    CatalogRevision.objects.all().delete()
    client.get("/products/")

    with django_assert_num_queries(LISTING_COLD_QUERIES):
        response = client.get("/products/")

    assert "Sencha" in response.content.decode()


def test_category_navigation_costs_no_query_until_a_template_uses_it(django_assert_num_queries):
    CategoryFactory(name="Tea", slug="tea")
    request = RequestFactory().get("/somewhere-else/")

    with django_assert_num_queries(0):
        context = catalog(request)
    with django_assert_num_queries(2):
        first = render_to_string("base.html", request=request)
    with django_assert_num_queries(1):
        second = render_to_string("base.html", request=RequestFactory().get("/somewhere-else/"))

    assert "nav_categories" in context
    assert '<a href="/category/tea/">Tea</a>' in first
    assert '<a href="/category/tea/">Tea</a>' in second


def test_cached_page_carries_a_fresh_working_csrf_token():
    VariantFactory(product=ProductFactory(slug="sencha"))
    warm_up = Client()
    warm_up.get("/products/sencha/")
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get("/products/sencha/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    switched = visitor.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token}
    )

    assert switched.status_code == 302
    assert page.count(f'value="{token}"') == 3  # language switch, add-to-cart and wishlist forms


def test_cached_page_shows_flash_messages_once(client):
    VariantFactory(product=ProductFactory(slug="sencha"))
    client.get("/products/sencha/")
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.SUCCESS, "Added to your cart.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies.update(carrier.cookies)

    first = client.get("/products/sencha/").content.decode()
    second = client.get("/products/sencha/").content.decode()

    assert '<li class="message message-success">Added to your cart.</li>' in first
    assert "Added to your cart." not in second


def test_cached_page_shows_each_visitor_their_own_header_links(client):
    VariantFactory(product=ProductFactory(slug="sencha"))
    logout_url = reverse("account:logout")
    anonymous_before = Client().get("/products/sencha/").content.decode()
    client.force_login(UserFactory())

    signed_in = client.get("/products/sencha/").content.decode()
    anonymous_after = Client().get("/products/sencha/").content.decode()

    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', signed_in))
    assert logout_url not in anonymous_before
    assert logout_url in signed_in
    assert logout_url not in anonymous_after
    assert len(tokens) == 1
    assert len(tokens.pop()) == 64  # a real masked token in every form, the header's included


def test_cached_page_points_the_language_switch_back_to_the_requested_url(client):
    VariantFactory(product=ProductFactory(name="Sencha"))
    client.get("/products/?sort=price")

    response = client.get("/products/?sort=price&utm_source=x%22%3E")

    assert '<input name="next" type="hidden" value="/products/?sort=price&amp;utm_source=x%22%3E">' in (
        response.content.decode()
    )
