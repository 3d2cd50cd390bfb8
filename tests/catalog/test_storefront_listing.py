"""The storefront's product grids: home page, product list with its filters, category pages."""

from decimal import Decimal

import pytest
from django.test import override_settings

from tests.catalog.storefront_helpers import listed_names, product_with_variant
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


# Home -------------------------------------------------------------------------------------------


def test_home_shows_top_categories_featured_and_newest_products(client):
    tea = CategoryFactory(name="Tea", slug="tea")
    CategoryFactory(name="Green tea", slug="green-tea", parent=tea)
    product_with_variant(name="Dragon Well", category=tea, is_featured=True)
    product_with_variant(name="Jasmine Pearls", category=tea)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="category-tile-link" href="/category/tea/">Tea</a>' in html
    assert '<a href="/category/green-tea/">Green tea</a>' in html
    assert "Featured products" in html
    assert "New arrivals" in html
    # Each product once: featured first, the newest of the rest below.
    assert html.count('<span class="product-card-name">Dragon Well</span>') == 1
    assert html.count('<span class="product-card-name">Jasmine Pearls</span>') == 1


def test_home_hides_inactive_products_and_categories(client):
    hidden_category = CategoryFactory(name="Hidden shelf", is_active=False)
    product_with_variant(name="Hidden by category", category=hidden_category, is_featured=True)
    product_with_variant(name="Inactive product", is_active=False, is_featured=True)

    response = client.get("/")

    html = response.content.decode()
    assert "Hidden shelf" not in html
    assert "Hidden by category" not in html
    assert "Inactive product" not in html


# Product list -----------------------------------------------------------------------------------


def test_product_list_shows_visible_products_sorted_by_name(client):
    product_with_variant(name="Oolong")
    product_with_variant(name="Assam")
    product_with_variant(name="Matcha")

    response = client.get("/products/")

    assert response.status_code == 200
    assert listed_names(response) == ["Assam", "Matcha", "Oolong"]
    assert "3 products" in response.content.decode()


def test_product_list_hides_inactive_products_products_without_active_variant_and_hidden_categories(client):
    parent = CategoryFactory(is_active=False)
    child = CategoryFactory(parent=parent)
    product_with_variant(name="Visible")
    product_with_variant(name="Inactive", is_active=False)
    product_with_variant(name="Under inactive parent", category=child)
    no_active_variant = ProductFactory(name="No active variant")
    VariantFactory(product=no_active_variant, is_active=False)
    ProductFactory(name="No variant at all")

    response = client.get("/products/")

    assert listed_names(response) == ["Visible"]


def test_product_list_shows_from_price_when_variant_prices_differ(client):
    product = product_with_variant(name="Tea sampler", price="30.00")
    VariantFactory(product=product, price=Decimal("12.50"))
    VariantFactory(product=product, price=Decimal("99.00"), is_active=False)

    response = client.get("/products/")

    assert "From ¥12.50" in response.content.decode()


def test_product_list_shows_single_price_and_out_of_stock_state(client):
    product_with_variant(name="Sold out tea", price="8.00", stock=0)

    response = client.get("/products/")

    html = response.content.decode()
    assert '<p class="product-card-price price">¥8.00</p>' in html
    assert "Out of stock" in html


def test_product_list_filters_by_category_including_sub_categories(client):
    tea = CategoryFactory(slug="tea")
    green = CategoryFactory(slug="green", parent=tea)
    product_with_variant(name="Sencha", category=green)
    product_with_variant(name="Black", category=tea)
    product_with_variant(name="Mug")

    response = client.get("/products/?category=tea")

    assert listed_names(response) == ["Black", "Sencha"]


def test_product_list_filters_by_price_range_on_from_price(client):
    cheap = product_with_variant(name="Cheap", price="5.00")
    VariantFactory(product=cheap, price=Decimal("50.00"))
    product_with_variant(name="Middle", price="20.00")
    product_with_variant(name="Dear", price="80.00")

    response = client.get("/products/?min_price=10&max_price=50")

    assert listed_names(response) == ["Middle"]


def test_product_list_in_stock_filter_keeps_products_with_an_active_variant_in_stock(client):
    product_with_variant(name="Available", stock=3)
    product_with_variant(name="Sold out", stock=0)
    only_inactive_stock = product_with_variant(name="Stock on inactive variant", stock=0)
    VariantFactory(product=only_inactive_stock, stock=9, is_active=False)

    response = client.get("/products/?in_stock=1")

    assert listed_names(response) == ["Available"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Apple", "Banana", "Cherry"]),
        ("price", ["Banana", "Cherry", "Apple"]),
        ("-price", ["Apple", "Cherry", "Banana"]),
        ("newest", ["Cherry", "Banana", "Apple"]),
    ],
)
def test_product_list_sorts(client, sort, expected):
    product_with_variant(name="Apple", price="30.00")
    product_with_variant(name="Banana", price="10.00")
    product_with_variant(name="Cherry", price="20.00")

    response = client.get(f"/products/?sort={sort}")

    assert listed_names(response) == expected


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-3",
        "page=99999",
        "page=" + "9" * 5000,
        "min_price=x",
        "min_price=-5",
        "max_price=NaN",
        "min_price=Infinity",
        "max_price=-Infinity",
        "min_price=1e999999",
        "max_price=" + "9" * 40,
        "min_price=1.234",
        "min_price=50&max_price=10",
        "sort=drop",
        "sort=price;DROP TABLE catalog_product",
        "in_stock=yes",
        "category=no-such-category",
        "q=" + "tea " * 200,
        "q=' OR 1=1 --",
        "q=!!!&&&|||(((",
        "q=-",
        "page=1&page=2&page=x",
        "unknown=1",
    ],
)
def test_product_list_bad_query_values_fall_back_to_defaults(client, query):
    product_with_variant(name="Jasmine")

    response = client.get(f"/products/?{query}")

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["category=%00", "q=%00"])
def test_product_list_refuses_a_nul_byte_in_the_query_with_400(client, query):
    response = client.get(f"/products/?{query}")

    assert response.status_code == 400


def test_product_list_says_which_filters_were_ignored(client):
    product_with_variant(name="Jasmine", price="10.00")

    response = client.get("/products/?min_price=x&sort=drop")

    html = response.content.decode()
    assert "Some filters were not valid and have been ignored: Min price, Sort by" in html
    assert listed_names(response) == ["Jasmine"]


def test_product_list_ignores_a_price_range_whose_minimum_is_above_its_maximum(client):
    product_with_variant(name="Jasmine", price="10.00")

    response = client.get("/products/?min_price=50&max_price=10")

    assert listed_names(response) == ["Jasmine"]


@override_settings(CATALOG_PAGE_SIZE=2)
def test_product_list_page_beyond_the_last_shows_the_last_page(client):
    for name in ["A", "B", "C", "D", "E"]:
        product_with_variant(name=name)

    response = client.get("/products/?page=99999")

    assert listed_names(response) == ["E"]


@override_settings(CATALOG_PAGE_SIZE=2)
def test_pagination_links_keep_the_other_query_params(client):
    for name in ["Tea A", "Tea B", "Tea C", "Tea D", "Tea E"]:
        product_with_variant(name=name, price="10.00")

    response = client.get("/products/?q=tea&min_price=5&in_stock=1&sort=name&page=2&junk=1")

    pagination = response.content.decode().split('<nav class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert listed_names(response) == ["Tea C", "Tea D"]
    assert (
        'href="/products/?q=tea&amp;min_price=5.00&amp;in_stock=1&amp;sort=name&amp;page=3" rel="next"'
        in pagination
    )
    assert 'href="/products/?q=tea&amp;min_price=5.00&amp;in_stock=1&amp;sort=name" rel="prev"' in pagination
    assert "junk" not in pagination


def test_product_list_shows_an_empty_state_when_nothing_matches(client):
    product_with_variant(name="Jasmine", price="10.00")

    response = client.get("/products/?min_price=500")

    assert "No products match these filters." in response.content.decode()


def test_product_list_answers_post_with_405(client):
    response = client.post("/products/")

    assert response.status_code == 405


# Category page ----------------------------------------------------------------------------------


def test_category_page_lists_products_of_sub_categories_with_breadcrumbs_and_sub_category_links(client):
    tea = CategoryFactory(name="Tea", slug="tea")
    green = CategoryFactory(name="Green", slug="green", parent=tea)
    japanese = CategoryFactory(name="Japanese", slug="japanese", parent=green)
    product_with_variant(name="Gyokuro", category=japanese)
    product_with_variant(name="Longjing", category=green)
    product_with_variant(name="Coffee")

    response = client.get("/category/green/")

    html = response.content.decode()
    assert response.status_code == 200
    assert listed_names(response) == ["Gyokuro", "Longjing"]
    assert '<a href="/category/tea/">Tea</a>' in html
    assert '<span aria-current="page">Green</span>' in html
    assert '<li><a href="/category/japanese/">Japanese</a></li>' in html


def test_category_page_applies_filters_and_sorting(client):
    tea = CategoryFactory(slug="tea")
    product_with_variant(name="Cheap tea", price="5.00", category=tea)
    product_with_variant(name="Fine tea", price="50.00", category=tea)
    product_with_variant(name="Finest tea", price="90.00", category=tea)

    response = client.get("/category/tea/?min_price=10&sort=-price")

    assert listed_names(response) == ["Finest tea", "Fine tea"]


def test_category_page_hides_inactive_sub_categories(client):
    tea = CategoryFactory(slug="tea")
    hidden = CategoryFactory(name="Hidden sub", slug="hidden-sub", parent=tea, is_active=False)
    product_with_variant(name="Hidden product", category=hidden)

    response = client.get("/category/tea/")

    html = response.content.decode()
    assert "Hidden sub" not in html
    assert "Hidden product" not in html


@pytest.mark.parametrize("state", ["inactive", "inactive parent", "missing"])
def test_category_page_is_404_for_hidden_or_missing_categories(client, state):
    parent = CategoryFactory(is_active=state != "inactive parent")
    CategoryFactory(slug="shelf", parent=parent, is_active=state != "inactive")

    response = client.get("/category/shelf/" if state != "missing" else "/category/nothing-here/")

    assert response.status_code == 404


def test_category_page_bad_query_values_fall_back_to_defaults(client):
    CategoryFactory(slug="tea")

    response = client.get("/category/tea/?page=x&min_price=NaN&sort=evil&category=other")

    assert response.status_code == 200


def test_the_home_page_features_no_sold_out_product_and_shows_each_product_once(client):
    sold_out = ProductFactory(name="Sold Out Teapot", is_featured=True)
    VariantFactory(product=sold_out, stock=0)
    both = ProductFactory(name="Featured And New Kettle", is_featured=True)
    VariantFactory(product=both, stock=5)

    page = client.get("/").content.decode()

    assert "Sold Out Teapot" not in page
    assert page.count('href="/products/' + both.slug + '/"') == 1
