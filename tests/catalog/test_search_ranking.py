"""A search by relevance ranks a bounded set, its newest matches and an exact SKU, at any size."""

import pytest
from django.db import connection

from catalog.categories import category_tree_get
from catalog.selectors import ProductFilters, product_list
from tests.catalog.search_catalogue import search_catalogue_build
from tests.catalog.storefront_helpers import listed_names, product_with_variant

pytestmark = pytest.mark.django_db


def ranked_names(q: str, *, rank_within: int) -> list[str]:
    tree = category_tree_get()
    products = product_list(
        category_ids=tree.visible_ids, filters=ProductFilters(q=q), rank_within=rank_within
    )
    return [product.name for product in products]


def test_a_common_word_ranks_only_its_newest_matches_and_says_there_are_more(client, settings):
    settings.CATALOG_PAGE_NUMBER_LIMIT = 1
    settings.CATALOG_SEARCH_RANK_LIMIT = 25
    # The oldest match has the word in its name, so full ranking would put it first.
    product_with_variant(name="Linen shirt")
    for number in range(30):
        product_with_variant(name=f"Napkin {number:02}", description="Washed linen.")

    response = client.get("/products/", {"q": "linen"})

    names = listed_names(response)
    assert len(names) == 24
    assert "Linen shirt" not in names
    assert "More than 24 products" in response.content.decode()
    # Narrowing the search reaches it, and a sort other than relevance pages through every match.
    assert listed_names(client.get("/products/", {"q": "linen shirt"})) == ["Linen shirt"]
    assert "Linen shirt" in listed_names(client.get("/products/", {"q": "linen", "sort": "name"}))


def test_within_its_newest_matches_a_search_still_ranks_name_hits_first(client, settings):
    settings.CATALOG_PAGE_NUMBER_LIMIT = 1
    settings.CATALOG_SEARCH_RANK_LIMIT = 25
    for number in range(30):
        product_with_variant(name=f"Napkin {number:02}", description="Washed linen.")
    product_with_variant(name="Zzz linen shirt")

    names = listed_names(client.get("/products/", {"q": "linen"}))

    assert names[0] == "Zzz linen shirt"


def test_an_exact_sku_ranks_first_even_when_older_than_the_newest_matches():
    product_with_variant(name="Oldest linen towel")
    product_with_variant(name="Old linen apron", sku="LINEN")
    product_with_variant(name="Newer linen napkin")
    product_with_variant(name="Newest linen tote")

    assert ranked_names("linen", rank_within=2) == [
        "Old linen apron",
        "Newer linen napkin",
        "Newest linen tote",
    ]
    assert ranked_names("linen", rank_within=10)[0] == "Old linen apron"


def test_fewer_matches_than_the_limit_are_all_ranked():
    product_with_variant(name="Aaa tray", description="Holds a linen cloth.")
    product_with_variant(name="Zzz linen cloth")

    assert ranked_names("linen", rank_within=1_000) == ["Zzz linen cloth", "Aaa tray"]


def _ranked_rows(plan: dict) -> int:
    """Rows fed to the relevance sort of an EXPLAIN (ANALYZE, FORMAT JSON) plan."""
    node = plan
    while node.get("Node Type") != "Sort":
        node = node["Plans"][-1]
    return node["Plans"][0]["Actual Rows"]


def test_a_common_word_in_a_large_catalogue_ranks_a_bounded_number_of_rows():
    # Every third of 30,000 products is cotton and one in sixteen is a Chinese tea.
    category = search_catalogue_build(products=30_000)
    for q in ["cotton", "茶", "CAT-12345-B"]:
        ids = product_list(
            category_ids=[category.pk], filters=ProductFilters(q=q), rank_within=500
        ).values_list("pk", flat=True)[:481]
        sql, params = ids.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            (plan,) = cursor.fetchone()[0]

        assert _ranked_rows(plan["Plan"]) <= 500 + 1, q
