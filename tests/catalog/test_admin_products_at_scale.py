"""The product list at scale: searches on their indexes, no full COUNT, query counts pinned.

30,000 products built with set-based SQL and ANALYZEd, so the planner chooses as it would
with a real catalogue.
"""

import json
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from shop.admin_paginator import EXACT_COUNT_LIMIT
from tests.catalog.product_admin_forms import CHANGELIST_URL
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = 30_000
# Variant.sku's indexes (the unique one, and Django's pattern-ops twin): either serves equality.
SKU_INDEX_PREFIX = "catalog_variant_sku_"


def _catalogue_of(size: int) -> None:
    """``size`` products like one made by the factories, each with one variant, then ANALYZE."""
    template = VariantFactory(product=ProductFactory(name="Template"), sku="TPL-0")
    with connection.cursor() as cursor:
        # Tens of thousands of rows and their triggers may outlast the shop's statement timeout.
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute(
            """
            INSERT INTO catalog_product (name, slug, description, category_id, is_active, is_featured,
                                         return_exemption, created_at, updated_at)
            SELECT 'Shirt ' || g || CASE WHEN g %% 1000 = 0 THEN ' Corduroy' ELSE ' Cotton' END,
                   'shirt-' || g, '', p.category_id, true, false, '', now(), now()
              FROM catalog_product p, generate_series(1, %s) g WHERE p.id = %s
            """,
            [size - 1, template.product_id],
        )
        cursor.execute(
            """
            INSERT INTO catalog_variant (product_id, sku, options, price, stock, is_active, position,
                                         created_at, updated_at)
            SELECT p.id, 'SKU-' || p.id, '{}', 10 + p.id %% 90, p.id %% 7, true, 0, now(), now()
              FROM catalog_product p WHERE p.id <> %s
            """,
            [template.product_id],
        )
        cursor.execute("ANALYZE catalog_product; ANALYZE catalog_variant")


def _search_plan(term: str) -> tuple[set[str], set[str]]:
    """The indexes and the node types of the plan of the list's search for ``term``."""
    product_admin = admin.site._registry[Product]
    queryset, _duplicates = product_admin.get_search_results(None, Product.objects.order_by("-id"), term)
    plan = queryset[:100].explain(format="json")
    return set(re.findall(r'"Index Name": "(\w+)"', plan)), set(re.findall(r'"Node Type": "([\w ]+)"', plan))


def test_searches_use_the_sku_index_and_the_search_vector_index():
    _catalogue_of(PRODUCTS)
    sku = f"SKU-{Product.objects.order_by('-id').values_list('id', flat=True)[10]}"

    sku_indexes, sku_nodes = _search_plan(sku)
    name_indexes, name_nodes = _search_plan("corduroy")

    assert any(name.startswith(SKU_INDEX_PREFIX) for name in sku_indexes)
    assert "catalog_product_search_gin" in name_indexes
    assert "Seq Scan" not in sku_nodes | name_nodes


def test_the_unfiltered_list_counts_no_rows_and_says_about(staff_client):
    _catalogue_of(PRODUCTS)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(CHANGELIST_URL)

    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts == []
    assert response.context["cl"].paginator.count_is_estimate
    assert response.context["cl"].result_count > EXACT_COUNT_LIMIT
    assert "about " in response.content.decode()


def test_a_search_finds_a_product_by_exact_sku_and_by_name_among_many(staff_client):
    _catalogue_of(PRODUCTS)
    wanted = Product.objects.get(name="Shirt 2000 Corduroy")

    by_sku = staff_client.get(CHANGELIST_URL, {"q": f"SKU-{wanted.pk}"})
    by_name = staff_client.get(CHANGELIST_URL, {"q": "Corduroy"})

    assert list(by_sku.context["cl"].result_list) == [wanted]
    assert by_name.context["cl"].result_count == PRODUCTS // 1000 - 1
    assert not by_name.context["cl"].paginator.count_is_estimate


# Session, user and its two-factor device, then the page: the estimate, the count (a small
# list), the rows, the shown rows' prices and stock, their first photos, and the category filter's tree.
@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, 9), ({"q": "Cotton"}, 9), ({"is_active__exact": "1"}, 9), ({"stock": "low"}, 9)],
)
def test_the_change_list_takes_a_pinned_number_of_queries(
    staff_client, django_assert_num_queries, query, expected
):
    _catalogue_of(200)

    with django_assert_num_queries(expected):
        response = staff_client.get(CHANGELIST_URL, query)

    assert response.status_code == 200


def _subplan_loops(plan: dict) -> list[int]:
    """How many times each subquery of ``plan`` (the row's prices, stock and photo) ran."""
    loops = (
        [plan["Actual Loops"]]
        if plan.get("Subplan Name") or plan.get("Parent Relationship") == "SubPlan"
        else []
    )
    for child in plan.get("Plans", []):
        loops += _subplan_loops(child)
    return loops


def test_sorting_by_price_or_stock_sorts_stored_columns_and_works_out_no_figure_in_the_sort(staff_client):
    _catalogue_of(PRODUCTS)
    product_admin = admin.site._registry[Product]

    for column, stored in [("price_range", "listed_price"), ("total_stock", "in_stock")]:
        for direction in ["", "-"]:
            sort = f"{direction}{product_admin.list_display.index(column) + 1}"
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(CHANGELIST_URL, {"o": sort})

            rows = response.context["cl"].result_list
            page = [
                query["sql"] for query in queries if query["sql"].startswith('SELECT "catalog_product"."id"')
            ]
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {page[-1]}")
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            loops = _subplan_loops(plan[0]["Plan"])
            # No figure is worked out in the sorted query: they are read afterwards, for the page only.
            assert not loops, sort
            assert len(rows) == product_admin.list_per_page
            values = [getattr(product, stored) for product in rows]
            assert values == sorted(
                values, key=lambda value: (value is None, value), reverse=direction == "-"
            )


def test_a_page_past_an_undercounting_estimate_is_shown_with_the_exact_count(staff_client):
    _catalogue_of(PRODUCTS)
    # Products added since the last ANALYZE: the table's row estimate now undercounts.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO catalog_product (name, slug, description, category_id, is_active, is_featured,
                                         return_exemption, created_at, updated_at)
            SELECT 'Late ' || g, 'late-' || g, '', category_id, true, false, '', now(), now()
              FROM catalog_product, generate_series(1, 5000) g WHERE slug = 'shirt-1'
            """
        )
    total = Product.objects.count()
    per_page = admin.site._registry[Product].list_per_page
    last_page = -(-total // per_page)

    response = staff_client.get(CHANGELIST_URL, {"p": last_page})

    assert response.status_code == 200
    cl = response.context["cl"]
    assert not cl.paginator.count_is_estimate
    assert cl.paginator.count == total
    assert list(cl.result_list)[-1] == Product.objects.order_by("id").first()
    assert f"{total} products" in response.content.decode()
