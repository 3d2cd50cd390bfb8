"""Also bought and bestsellers: computed into tables, shown on product pages, the home page and the cart."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from catalog.models import ProductPopularity, ProductRecommendation
from catalog.recommendations_build import product_recommendations_replace
from tests.catalog.recommendation_helpers import names, product, recommend, recommended_on, section
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


# Product page -----------------------------------------------------------------------------------


def test_product_page_shows_also_bought_in_rank_order_then_same_category_products(client):
    tea, mugs = CategoryFactory(name="Tea"), CategoryFactory(name="Mugs")
    sencha = product("Sencha", category=tea)
    product("Matcha", category=tea)
    genmaicha = product("Genmaicha", category=tea)
    mug = product("Mug", category=mugs)
    product("Plate", category=mugs)
    recommend({sencha: [mug, genmaicha]})

    response = client.get(sencha.get_absolute_url())

    html = response.content.decode()
    assert "Customers who bought this also bought" in html
    assert names(section(html, "recommendations-heading")) == ["Mug", "Genmaicha", "Matcha"]


def test_also_bought_never_shows_inactive_sold_out_or_hidden_products(client):
    tea, mugs = CategoryFactory(), CategoryFactory()
    hidden = CategoryFactory(is_active=False)
    sencha = product("Sencha", category=tea)
    inactive = product("Inactive mug", category=mugs, is_active=False)
    sold_out = product("Sold-out mug", category=mugs, stock=0)
    in_hidden_category = product("Hidden mug", category=hidden)
    no_active_variant = ProductFactory(name="Withdrawn mug", category=mugs)
    VariantFactory(product=no_active_variant, is_active=False)
    good = product("Good mug", category=mugs)
    recommend({sencha: [inactive, sold_out, in_hidden_category, no_active_variant, good]})

    assert recommended_on(client, sencha) == ["Good mug"]


def test_without_history_the_page_shows_bestsellers_of_the_same_category(client):
    tea, mugs = CategoryFactory(name="Tea"), CategoryFactory(name="Mugs")
    sencha = product("Sencha", category=tea)
    matcha, oolong = product("Matcha", category=tea), product("Oolong", category=tea)
    product("Puerh", category=tea)
    popular_mug = product("Popular mug", category=mugs)
    recommend({}, popularity={matcha: 5, oolong: 9, popular_mug: 100, sencha: 50})

    html = client.get(sencha.get_absolute_url()).content.decode()

    assert "Popular in Tea" in html
    assert "Customers who bought this also bought" not in html
    assert names(section(html, "recommendations-heading")) == ["Oolong", "Matcha", "Puerh"]


def test_recommendations_add_one_query_cold_and_none_warm(client, django_assert_num_queries):
    tea = CategoryFactory()
    sencha = product("Sencha", category=tea)
    others = [product(f"Tea {number}", category=tea) for number in range(8)]
    recommend({sencha: others[:5]}, popularity={item: 1 for item in others})

    with django_assert_num_queries(6):  # revision, tree, product, variants, images, recommendations
        cold = client.get(sencha.get_absolute_url())
    with django_assert_num_queries(1):  # revision
        warm = client.get(sencha.get_absolute_url())

    assert len(names(section(warm.content.decode(), "recommendations-heading"))) == 6
    assert section(warm.content.decode(), "recommendations-heading") == section(
        cold.content.decode(), "recommendations-heading"
    )


def test_recomputed_recommendations_show_at_once(client, django_capture_on_commit_callbacks):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha = product("Sencha", category=tea)
    mug, kettle = product("Mug", category=mugs), product("Kettle", category=mugs)
    with django_capture_on_commit_callbacks(execute=True):
        recommend({sencha: [mug]})
    before = recommended_on(client, sencha)

    with django_capture_on_commit_callbacks(execute=True):
        recommend({sencha: [kettle]})

    assert before == ["Mug"]
    assert recommended_on(client, sencha) == ["Kettle"]


# The precomputed tables -------------------------------------------------------------------------


def test_replace_swaps_the_whole_table_and_skips_rows_of_deleted_products():
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    recommend({sencha: [matcha]}, popularity={sencha: 3})
    missing_id = oolong.pk + 1000

    result = product_recommendations_replace(
        pairs=[(matcha.pk, oolong.pk, 1, 4), (matcha.pk, missing_id, 2, 2), (missing_id, matcha.pk, 1, 2)],
        popularity=[(oolong.pk, 7, 5), (missing_id, 9, 9)],
    )

    assert list(ProductRecommendation.objects.values_list("product", "recommended", "rank", "score")) == [
        (matcha.pk, oolong.pk, 1, 4)
    ]
    assert list(ProductPopularity.objects.values_list("product", "units_sold", "order_count")) == [
        (oolong.pk, 7, 5)
    ]
    assert (result.pairs, result.products, result.popular_products) == (1, 1, 1)


def test_replace_with_a_bad_row_writes_nothing():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]}, popularity={sencha: 3})

    with pytest.raises(IntegrityError):
        product_recommendations_replace(pairs=[(matcha.pk, matcha.pk, 1, 1)], popularity=[])

    assert list(ProductRecommendation.objects.values_list("product", "recommended")) == [
        (sencha.pk, matcha.pk)
    ]
    assert ProductPopularity.objects.count() == 1


# Home -------------------------------------------------------------------------------------------


def test_home_shows_bestsellers_in_stock_most_units_first(client):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    sold_out = product("Sold out", category=tea, stock=0)
    product("Never sold", category=tea)
    recommend({}, popularity={sencha: 4, matcha: 12, sold_out: 50})

    html = client.get("/").content.decode()

    assert names(section(html, "home-bestsellers")) == ["Matcha", "Sencha"]


def test_home_without_sales_has_no_bestsellers_section(client):
    product("Sencha", category=CategoryFactory())

    html = client.get("/").content.decode()

    assert 'id="home-bestsellers"' not in html
    assert 'id="home-newest"' in html


# Cart -------------------------------------------------------------------------------------------


def test_cart_suggests_products_bought_with_its_contents_and_shows_recently_viewed(client):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    mug, kettle = product("Mug", category=mugs), product("Kettle", category=mugs)
    recommend({sencha: [matcha, mug], matcha: [kettle, sencha]})
    client.post(reverse("cart:add"), {"variant": sencha.variants.get().pk, "quantity": 1})
    client.post(reverse("cart:add"), {"variant": matcha.variants.get().pk, "quantity": 1})
    client.get(mug.get_absolute_url())
    client.get(sencha.get_absolute_url())

    html = client.get(reverse("cart:detail")).content.decode()

    assert names(section(html, "cart-suggestions-heading")) == ["Kettle", "Mug"]
    assert names(section(html, "recently-viewed-heading")) == ["Mug"]


def test_an_empty_cart_has_no_suggestions(client):
    product("Sencha", category=CategoryFactory())

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Your cart is empty." in html
    assert 'id="cart-suggestions-heading"' not in html
