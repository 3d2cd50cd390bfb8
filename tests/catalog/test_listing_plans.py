"""Plans of the queries listing pages run, on a catalogue big enough for production's plans.

The queries are captured from real requests and then explained with ANALYZE,
so the tests pin what the pages do, not a query written for the test: page 1
in each sort reads an index and about a page of rows, a deep cursor page and
the last page read no skipped rows, the count stops at its cap, the home
page's lists read no variants beyond their cards, and a category reads its
own products.
"""

import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.cache.listings import HOME_PRODUCT_COUNT
from catalog.models import Product
from catalog.paging import cursor_encode
from catalog.selectors import Sort
from tests.bulk_rows import catalogue_rows_delete, rows_clone
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = 50_000
SMALL_EVERY = 167
SLICE = 5_000  # about 300 products of the 50,000 in the small category


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """50,000 listed products: a big category (half), a small one (about 300 scattered), the rest.

    Names, prices and creation times are spread so no sort follows the id order;
    four in five products are in stock, one in fifty featured, one in ten sold lately.

    Built once for the module and committed (each test still rolls back its own
    writes), then deleted.
    """
    with django_db_blocker.unblock():
        categories = _build()
    yield categories
    with django_db_blocker.unblock():
        catalogue_rows_delete([category.pk for category in categories.values()], popularity=True)


def _build() -> dict:
    big, small, rest = (
        CategoryFactory(slug="big"),
        CategoryFactory(slug="small"),
        CategoryFactory(slug="rest"),
    )
    product = ProductFactory(slug="template-product", category=rest)
    variant = VariantFactory(product=product, sku="TEMPLATE")
    with connection.cursor() as cursor:
        rows_clone(
            "catalog_product",
            template_id=product.pk,
            overrides={
                "slug": "'p-' || n",
                "name": "'Product ' || md5(n::text)",
                "category_id": f"CASE WHEN mod(n, {SMALL_EVERY}) = 0 THEN {small.pk} "
                f"WHEN mod(n, 2) = 0 THEN {big.pk} ELSE {rest.pk} END",
                "is_featured": "mod(n, 50) = 0",
                "created_at": "now() - n * interval '1 minute' * mod(n * 7919, 1000)",
            },
            source=f"generate_series(1, {PRODUCTS - 1}) n",
        )
        # In slices with fresh statistics between them: each slice's statement-level refresh then
        # reads the variants by index (one slice of 50,000 with the statistics of one variant would not).
        for start in range(product.pk, product.pk + PRODUCTS, SLICE):
            rows_clone(
                "catalog_variant",
                template_id=variant.pk,
                overrides={
                    "product_id": "n.id",
                    "sku": "'S-' || n.id",
                    "price": "1 + mod(n.id * 7919, 100000) / 100.0",
                    "stock": "CASE WHEN mod(n.id, 5) = 0 THEN 0 ELSE 10 END",
                },
                source=f"(SELECT id FROM catalog_product WHERE id > {start} AND id <= {start + SLICE}) n",
            )
            cursor.execute("ANALYZE catalog_variant")
        # One picture each, as the cards show (its files are never opened).
        cursor.execute(
            "INSERT INTO catalog_productimage (product_id, image, thumbnail_small, thumbnail_large,"
            " width, height, alt_text, position, created_at)"
            " SELECT id, 'p.jpg', 's.jpg', 'l.jpg', 800, 800, name, 0, now()"
            " FROM catalog_product WHERE id >= %s",
            [product.pk],
        )
        cursor.execute(
            "INSERT INTO catalog_productpopularity (product_id, units_sold, order_count) "
            "SELECT id, 1 + mod(id, 97), 1 FROM catalog_product WHERE mod(id, 10) = 3"
        )
        cursor.execute(
            "ANALYZE catalog_product; ANALYZE catalog_variant; ANALYZE catalog_productpopularity;"
            " ANALYZE catalog_productimage"
        )
    return {"big": big, "small": small, "rest": rest}


def explained(client, url: str) -> list[tuple[str, dict]]:
    """Each query on products the page at ``url`` runs, with its ANALYZE plan."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            # A category's ids merged from one branch per category start "(SELECT".
            if not sql.lstrip("(").startswith("SELECT") or "catalog_product" not in sql:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plans.append((sql, (json.loads(plan) if isinstance(plan, str) else plan)[0]))
    return plans


def nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def rows_read(node: dict) -> int:
    """Rows a scan node produced or threw away, over all its loops."""
    removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    return (node["Actual Rows"] + removed) * node["Actual Loops"]


def scans(plan: dict, table: str) -> list[dict]:
    return [node for node in nodes(plan["Plan"]) if node.get("Relation Name") == table]


def queries(client, url: str) -> dict[str, dict]:
    """The plans of the count, ids and cards queries of a listing page."""
    found = {}
    for sql, plan in explained(client, url):
        if sql.startswith("SELECT COUNT(*)"):
            found["count"] = plan
        elif sql.startswith('SELECT "catalog_product"."id" AS "pk" FROM') or " UNION ALL " in sql:
            found["ids"] = plan
        elif '"catalog_product"."id" IN (' in sql:
            found["cards"] = plan
    assert set(found) == {"count", "ids", "cards"}
    return found


def assert_reads_about_a_page(plan: dict, *, size: int) -> None:
    product_scans = scans(plan, "catalog_product")
    assert [node["Node Type"] for node in product_scans] in (["Index Scan"], ["Index Only Scan"])
    assert product_scans[0]["Index Name"] in LISTING_INDEXES
    assert rows_read(product_scans[0]) <= 3 * size
    # An incremental sort orders only ties of the index's leading key, within the rows read.
    assert not [node for node in nodes(plan["Plan"]) if node["Node Type"] == "Sort"]


def assert_cards_read_their_rows_only(plan: dict, *, size: int) -> None:
    # By the primary key, one probe per id or a bitmap of them: the planner may take either.
    [product_scan] = scans(plan, "catalog_product")
    assert product_scan["Node Type"] in ("Index Scan", "Bitmap Heap Scan")
    assert rows_read(product_scan) <= size
    for node in scans(plan, "catalog_variant") + scans(plan, "catalog_productimage"):
        assert node["Node Type"] == "Index Scan"
        assert node["Actual Loops"] <= size
        assert rows_read(node) <= 2 * size


LISTING_INDEXES = {
    "catalog_product_list_name",
    "catalog_product_list_price",
    "catalog_product_list_price_dn",
    "catalog_product_list_newest",
    "catalog_product_newest",
    "catalog_product_cat_name",
    "catalog_product_cat_price",
    "catalog_product_cat_price_dn",
    "catalog_product_cat_newest",
}
SORTS = ["", Sort.PRICE, Sort.PRICE_DESC, Sort.NEWEST]


@pytest.mark.parametrize("sort", SORTS)
def test_page_one_reads_a_page_of_its_sort_index_and_the_count_stops_at_the_cap(client, catalogue, sort):
    size = settings.CATALOG_PAGE_SIZE
    cap = size * settings.CATALOG_PAGE_NUMBER_LIMIT

    plans = queries(client, f"/products/?sort={sort}")

    assert_reads_about_a_page(plans["ids"], size=size)
    assert_cards_read_their_rows_only(plans["cards"], size=size)
    [count_scan] = scans(plans["count"], "catalog_product")
    assert count_scan["Actual Rows"] == cap + 1
    assert rows_read(count_scan) <= 2 * (cap + 1)


def _listed(sort: str):
    order = {
        "": ["name", "id"],
        Sort.PRICE: ["listed_price", "name", "id"],
        Sort.PRICE_DESC: ["-listed_price", "name", "id"],
        Sort.NEWEST: ["-created_at", "-id"],
    }[sort]
    return Product.objects.filter(is_active=True, listed_price__isnull=False).order_by(*order)


@pytest.mark.parametrize("sort", SORTS)
def test_a_cursor_forty_thousand_rows_deep_reads_no_skipped_rows(client, catalogue, sort):
    size = settings.CATALOG_PAGE_SIZE
    deep = _listed(sort)[40_000]
    cursor = cursor_encode(sort=sort or Sort.NAME, product=deep)

    plans = queries(client, f"/products/?sort={sort}&after={cursor}")

    assert_reads_about_a_page(plans["ids"], size=size)
    assert_cards_read_their_rows_only(plans["cards"], size=size)


@pytest.mark.parametrize("sort", SORTS)
def test_the_last_page_reads_the_index_backwards_and_no_skipped_rows(client, catalogue, sort):
    size = settings.CATALOG_PAGE_SIZE

    plans = queries(client, f"/products/?sort={sort}&page=last")

    assert_reads_about_a_page(plans["ids"], size=size)
    assert_cards_read_their_rows_only(plans["cards"], size=size)


def test_the_home_page_reads_the_variants_of_its_cards_only(client, catalogue):
    plans = explained(client, "/")

    assert len(plans) == 3
    for _sql, plan in plans:
        variant_scans = scans(plan, "catalog_variant")
        assert variant_scans
        for node in variant_scans:
            assert node["Node Type"] == "Index Scan"
            assert rows_read(node) <= 2 * HOME_PRODUCT_COUNT
        assert all(rows_read(node) <= 200 for node in scans(plan, "catalog_product"))


def test_a_small_category_reads_its_own_products_only(client, catalogue):
    size = settings.CATALOG_PAGE_SIZE
    own = Product.objects.filter(category=catalogue["small"]).count()

    plans = queries(client, "/category/small/?sort=price")

    assert own < 400
    for name in ("count", "ids"):
        [scan] = scans(plans[name], "catalog_product")
        assert scan["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
        assert rows_read(scan) <= own
    assert_cards_read_their_rows_only(plans["cards"], size=size)


@pytest.mark.parametrize("sort", SORTS)
def test_a_big_category_reads_about_a_page_of_its_sort_index(client, catalogue, sort):
    size = settings.CATALOG_PAGE_SIZE

    plans = queries(client, f"/category/big/?sort={sort}")
    last = queries(client, f"/category/big/?sort={sort}&page=last")

    assert_reads_about_a_page(plans["ids"], size=size)
    assert_reads_about_a_page(last["ids"], size=size)
    assert_cards_read_their_rows_only(plans["cards"], size=size)
