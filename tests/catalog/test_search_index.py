"""Search narrows on the GIN index of the search document, whatever the query, and keeps its meaning."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from catalog.categories import category_tree_get
from catalog.models import Product, Variant
from catalog.selectors import ProductFilters, product_list
from tests.catalog.search_catalogue import search_catalogue_build
from tests.catalog.storefront_helpers import product_with_variant
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def search(q: str) -> list[str]:
    tree = category_tree_get()
    products = product_list(category_ids=tree.visible_ids, filters=ProductFilters(q=q))
    return [product.name for product in products]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_every_kind_of_search_narrows_on_the_search_vector_index():
    category = search_catalogue_build(products=30_000)

    def results(q: str):
        return product_list(category_ids=[category.pk], filters=ProductFilters(q=q))

    # A rare term takes the index as it comes.
    assert "Bitmap Index Scan on catalog_product_search_gin" in explain(results("西湖龙井").values("pk"))
    with connection.cursor() as cursor:
        # On 30,000 short rows a parallel scan of the table can cost less than the index for a
        # common word; the shop's catalogues hold 100,000 to 1,000,000. With scans of the table
        # off, what matters shows: no part of the filter keeps the index from being used.
        cursor.execute("SET LOCAL enable_seqscan = off")
    for q in ["cotton", "CAT-12345-B", "cat-12345-b", "zxqvbn", "茶", "绿茶", "西湖龙井", "龙井 green"]:
        page, count = explain(results(q)[:24]), explain(results(q).values("pk"))

        assert "Bitmap Index Scan on catalog_product_search_gin" in page, q
        assert "Bitmap Index Scan on catalog_product_search_gin" in count, q
        # The exact-SKU match is a lexeme of the document, not a case-folded scan of the variants.
        assert ".sku" not in page and ".sku" not in count, q


def test_chinese_search_finds_exact_substrings_only_not_pairs_found_apart():
    product_with_variant(name="西湖龙井")
    product_with_variant(name="西湖龙 湖龙井")
    product_with_variant(name="井龙")

    assert search("西湖龙井") == ["西湖龙井"]
    assert search("龙井") == ["西湖龙 湖龙井", "西湖龙井"]
    assert search("井龙") == ["井龙"]


def test_a_single_chinese_character_finds_it_anywhere_in_the_name_or_description():
    product_with_variant(name="Aaa tray", description="可放一把茶壶。")
    product_with_variant(name="红茶")
    product_with_variant(name="咖啡")

    assert search("茶") == ["红茶", "Aaa tray"]


def test_a_mixed_query_needs_its_chinese_substring_and_its_english_words():
    product_with_variant(name="明前绿茶 Green Tea")
    product_with_variant(name="Aaa sampler", description="绿茶 and black teas.")
    product_with_variant(name="绿茶杯")
    product_with_variant(name="Black tea")

    assert search("绿茶 tea") == ["明前绿茶 Green Tea", "Aaa sampler"]


@pytest.mark.parametrize("typed", ["POT-4411", "pot-4411", "Pot-4411", "pot 4411", "POT 4411"])
def test_a_variant_sku_is_found_typed_in_any_case_with_or_without_its_hyphen(typed):
    product_with_variant(name="Clay teapot", sku="POT-4411")
    product_with_variant(name="Glass teapot", sku="POT-9000")

    assert search(typed) == ["Clay teapot"]


def test_an_exact_sku_in_any_case_ranks_above_name_matches():
    product_with_variant(name="Aaa pot-4411 holder")
    product_with_variant(name="Zzz clay teapot", sku="POT-4411")

    assert search("pot-4411") == ["Zzz clay teapot", "Aaa pot-4411 holder"]


def test_a_deactivated_variant_no_longer_ranks_its_product_first():
    product_with_variant(name="Aaa pot-4411 holder")
    product = product_with_variant(name="Zzz clay teapot", sku="POT-4411")
    Variant.objects.create(product=product, sku="POT-4412", price="1.00", stock=1)

    Variant.objects.filter(sku="POT-4411").update(is_active=False)

    assert search("pot-4411") == ["Aaa pot-4411 holder", "Zzz clay teapot"]


@pytest.mark.parametrize("q", ["it's", "a\\b", "'cotton' | !", "茶'|!"])
def test_quotes_and_query_syntax_in_a_search_are_plain_text(client, q):
    product_with_variant(name="Tea")

    response = client.get("/products/", {"q": q})

    assert response.status_code == 200


def test_a_bulk_insert_of_variants_rewrites_each_product_once_per_statement_not_per_variant():
    first, second = ProductFactory(name="First"), ProductFactory(name="Second")
    rows = [Variant(product=first, sku=f"BULK-A{n}", price="1.00") for n in range(5)]
    rows += [Variant(product=second, sku=f"BULK-B{n}", price="1.00") for n in range(5)]
    before = _product_rows_updated()

    Variant.objects.bulk_create(rows)

    # Two statement triggers each write a product row once: its search document, its listing columns.
    assert _product_rows_updated() - before == 2 * 2
    assert search("bulk-a3") == ["First"]
    assert search("BULK-B4") == ["Second"]


def test_changing_moving_and_deleting_variants_keep_the_search_document_current():
    first, second = ProductFactory(name="First"), ProductFactory(name="Second")
    variant = Variant.objects.create(product=first, sku="OLD-1", price="1.00", stock=1)
    Variant.objects.create(product=second, sku="KEEP-1", price="1.00", stock=1)

    Variant.objects.filter(pk=variant.pk).update(sku="NEW-1")
    assert search("old-1") == []
    assert search("new-1") == ["First"]
    Variant.objects.filter(pk=variant.pk).update(product=second)
    assert search("new-1") == ["Second"]
    Variant.objects.filter(pk=variant.pk).delete()
    assert search("new-1") == []
    assert Product.objects.get(pk=second.pk).search_vector is not None


def test_a_stock_change_does_not_rewrite_the_search_document():
    product = product_with_variant(name="Clay teapot", sku="POT-4411")
    before = _product_rows_updated()

    Variant.objects.filter(product=product).update(stock=3)

    assert _product_rows_updated() == before


def _product_rows_updated() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('catalog_product'::regclass)")
        return cursor.fetchone()[0]


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_sku_change_locks_its_products_in_ascending_id_before_rewriting_them():
    low, high = ProductFactory(name="Low"), ProductFactory(name="High")
    VariantFactory(product=low, sku="LOW-1")
    VariantFactory(product=high, sku="HIGH-1")
    # Low's live row now lies after high's in the table: plan order alone would reach high first.
    Product.objects.filter(pk=low.pk).update(name="Low teapot")
    held, release = threading.Event(), threading.Event()

    def hold_high() -> None:
        try:
            with transaction.atomic():
                list(Product.objects.filter(pk=high.pk).select_for_update(no_key=True))
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def rename_skus() -> None:
        try:
            Variant.objects.filter(product__in=[low, high]).update(sku=Concat(F("sku"), Value("-B")))
        finally:
            connection.close()

    holder = threading.Thread(target=hold_high)
    holder.start()
    held.wait(timeout=30)
    writer = threading.Thread(target=rename_skus)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        # The writer waits for high while already holding low, the lower id.
        with pytest.raises(DatabaseError), transaction.atomic():
            list(Product.objects.filter(pk=low.pk).select_for_update(no_key=True, nowait=True))
    finally:
        release.set()
        holder.join()
        writer.join()

    renamed = Product.objects.filter(search_vector="low-1-b")
    assert list(renamed.values_list("name", flat=True)) == ["Low teapot"]
