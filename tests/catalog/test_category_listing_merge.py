"""A category page reads each of its categories on that category's own index and merges them.

The catalogue is big enough for production's plans and built so the global
sort indexes would be a bad path: the category's names sort after most other
products' names and its cheapest products are dearer than most others, so a
walk of a global index would filter out thousands of other categories' rows
first. Names and prices repeat, so ties are broken by the later sort keys.
"""

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from catalog.paging import CATEGORY_BRANCHES_MAX, cursor_encode, product_page_get
from catalog.selectors import ProductFilters, Sort
from tests.bulk_rows import catalogue_rows_delete, rows_clone
from tests.catalog.test_listing_plans import explained, nodes, rows_read, scans
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = 30_000
SORTS = [Sort.NAME, Sort.PRICE, Sort.PRICE_DESC, Sort.NEWEST]
CATEGORY_INDEXES = {
    "catalog_product_cat_name",
    "catalog_product_cat_price",
    "catalog_product_cat_price_dn",
    "catalog_product_cat_newest",
}


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """``wear`` (a few products of its own) with ``men``, ``women``, ``kids``: a fifth of 30,000
    products; the rest in ``other``. Built once for the module and committed, then deleted."""
    with django_db_blocker.unblock():
        categories = _build()
    yield categories
    with django_db_blocker.unblock():
        catalogue_rows_delete([category.pk for category in categories.values()])


def _build() -> dict:
    wear = CategoryFactory(slug="wear")
    men, women, kids = (CategoryFactory(slug=slug, parent=wear) for slug in ("men", "women", "kids"))
    other = CategoryFactory(slug="other")
    product = ProductFactory(slug="template-product", category=other)
    variant = VariantFactory(product=product, sku="TEMPLATE")
    # One in five products is in the subtree (the first few hundred of those in ``wear`` itself);
    # its names start with "W" and its prices from 500, above most of the others'.
    in_wear = "mod(n, 5) = 0"
    category = (
        f"CASE WHEN NOT {in_wear} THEN {other.pk} WHEN n < 1500 THEN {wear.pk} "
        f"WHEN mod(n, 3) = 0 THEN {men.pk} WHEN mod(n, 3) = 1 THEN {women.pk} ELSE {kids.pk} END"
    )
    with connection.cursor() as cursor:
        rows_clone(
            "catalog_product",
            template_id=product.pk,
            overrides={
                "slug": "'p-' || n",
                # 400 names in each part: each name is shared by many products, across categories.
                "name": f"CASE WHEN {in_wear} THEN 'Wear ' ELSE 'Item ' END"
                " || lpad(mod(n * 7, 400)::text, 3, '0')",
                "category_id": category,
                "created_at": "now() - mod(n * 7919, 2000) * interval '1 minute'",
            },
            source=f"generate_series(1, {PRODUCTS - 1}) n",
        )
        cursor.execute("ANALYZE catalog_product")
        rows_clone(
            "catalog_variant",
            template_id=variant.pk,
            overrides={
                "product_id": "n.id",
                "sku": "'S-' || n.id",
                # 100 prices in each part: ties again.
                "price": f"CASE WHEN n.category_id = {other.pk} THEN 1 ELSE 500 END + mod(n.id * 31, 100)",
                "stock": "CASE WHEN mod(abs(hashtext(n.id::text)), 4) = 0 THEN 0 ELSE 10 END",  # not by price
            },
            source=f"(SELECT id, category_id FROM catalog_product WHERE id > {product.pk}) n",
        )
        cursor.execute(
            "INSERT INTO catalog_productimage (product_id, image, thumbnail_small, thumbnail_large,"
            " width, height, alt_text, position, created_at)"
            " SELECT id, 'p.jpg', 's.jpg', 'l.jpg', 800, 800, name, 0, now()"
            " FROM catalog_product WHERE id >= %s",
            [product.pk],
        )
        cursor.execute("ANALYZE catalog_product; ANALYZE catalog_variant; ANALYZE catalog_productimage")
    return {"wear": wear, "men": men, "women": women, "kids": kids, "other": other}


def _subtree(tree: dict) -> list[int]:
    return [tree[slug].pk for slug in ("wear", "men", "women", "kids")]


def _both(tree: dict, filters: ProductFilters) -> tuple[list[int], list[int]]:
    """The page's ids read category by category, and read as one range of the global index."""
    ids = _subtree(tree)
    merged = product_page_get(category_ids=ids, filters=filters, subtree=True)
    plain = product_page_get(category_ids=ids, filters=filters, subtree=False)
    assert (merged.previous, merged.next, merged.is_last) == (plain.previous, plain.next, plain.is_last)
    return [p.pk for p in merged.products], [p.pk for p in plain.products]


def _ordered(tree: dict, sort: str, filters: ProductFilters) -> list[int]:
    order = {
        Sort.NAME: ["name", "id"],
        Sort.PRICE: ["listed_price", "name", "id"],
        Sort.PRICE_DESC: ["-listed_price", "name", "id"],
        Sort.NEWEST: ["-created_at", "-id"],
    }[sort]
    rows = Product.objects.filter(is_active=True, listed_price__isnull=False, category_id__in=_subtree(tree))
    if filters.min_price is not None:
        rows = rows.filter(listed_price__gte=filters.min_price)
    if filters.in_stock:
        rows = rows.filter(in_stock=True)
    return list(rows.order_by(*order).values_list("pk", flat=True))


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize(
    "narrowed", [{}, {"min_price": Decimal("550"), "in_stock": True}], ids=["all", "filtered"]
)
def test_merged_pages_hold_the_same_products_in_the_same_order_as_one_range(tree, sort, narrowed):
    size = settings.CATALOG_PAGE_SIZE
    filters = ProductFilters(sort=sort, **narrowed)
    expected = _ordered(tree, sort, filters)
    deep = Product.objects.get(pk=expected[1000])
    cursor = cursor_encode(sort=sort, product=deep)
    assert len(expected) > size * settings.CATALOG_PAGE_NUMBER_LIMIT + 1000

    pages = {
        "first": replace(filters),
        "third": replace(filters, page=3),
        "after": replace(filters, after=cursor),
        "before": replace(filters, before=cursor),
        "last": replace(filters, last=True),
    }
    wanted = {
        "first": expected[:size],
        "third": expected[2 * size : 3 * size],
        "after": expected[1001 : 1001 + size],
        "before": expected[1000 - size : 1000],
        "last": expected[-size:],
    }
    for name, page_filters in pages.items():
        merged, plain = _both(tree, page_filters)
        assert merged == plain == wanted[name], name


@pytest.mark.parametrize("sort", SORTS)
def test_a_category_page_reads_no_other_categorys_rows_in_any_sort(client, tree, sort):
    size = settings.CATALOG_PAGE_SIZE
    deep = Product.objects.get(pk=_ordered(tree, sort, ProductFilters())[2000])
    cursor = cursor_encode(sort=sort, product=deep)

    for query in ("", "&page=last", f"&after={cursor}", f"&before={cursor}", "&page=2&in_stock=1"):
        [(_sql, plan)] = [
            (sql, plan)
            for sql, plan in explained(client, f"/category/wear/?sort={sort}{query}")
            if " UNION ALL " in sql
        ]
        product_scans = scans(plan, "catalog_product")
        assert len(product_scans) == 4, query
        for scan in product_scans:
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), query
            assert scan["Index Name"] in CATEGORY_INDEXES, query
            assert "category_id = " in scan["Index Cond"], query
            # Each branch reads at most about the rows it may return (``in_stock`` filters a quarter).
            assert rows_read(scan) <= 2 * (2 * size + 1), query
        assert [node["Node Type"] for node in nodes(plan["Plan"]) if "Merge" in node["Node Type"]] == [
            "Merge Append"
        ], query


def test_the_whole_catalogue_and_searches_keep_one_range_of_the_global_indexes(client, tree):
    for url in ("/products/?sort=price", "/category/wear/?q=wear&sort=price"):
        captured = [sql for sql, _plan in explained(client, url)]
        assert captured
        assert not [sql for sql in captured if " UNION ALL " in sql], url


def _ids_statement(client, path: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    # The ids query: a plain read of ids, or the union of branches.
    (statement,) = [
        query["sql"]
        for query in captured
        if query["sql"].startswith(('SELECT "catalog_product"."id" AS "pk" FROM', '(SELECT "catalog_'))
    ]
    return statement


def _wide_subtree(children: int) -> None:
    top = CategoryFactory(slug="many")
    for number in range(children):
        child = CategoryFactory(slug=f"many-{number}", parent=top)
        VariantFactory(product=ProductFactory(category=child, name=f"Item {number:03}"))


def test_each_branch_names_only_its_own_category_so_the_statement_grows_with_the_categories(client):
    _wide_subtree(12)

    statement = _ids_statement(client, "/category/many/?sort=name")

    assert statement.count("UNION ALL") == 12  # the top category and its 12 children
    assert '"category_id" IN' not in statement
    assert statement.count('"category_id" =') == 13


def test_a_subtree_of_very_many_categories_reads_the_global_sort_index_in_one_range(client):
    _wide_subtree(CATEGORY_BRANCHES_MAX)

    statement = _ids_statement(client, "/category/many/?sort=name")

    assert "UNION" not in statement
    assert '"category_id" IN' in statement
