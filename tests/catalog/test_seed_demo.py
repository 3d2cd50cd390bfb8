import hashlib
import io
import os
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.db.transaction import TransactionManagementError
from PIL import Image

from catalog.demo import demo_catalog_seed
from catalog.demo import seed as demo_seed
from catalog.demo.bulk import secondary_indexes_deferred
from catalog.demo.data import product_spec
from catalog.management.commands import seed_demo as seed_demo_command
from catalog.models import CatalogRevision, Category, Product, ProductImage, Variant
from tests.factories import ProductFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db


def seed(products: int, *args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--products", str(products), *args, stdout=out)
    return out.getvalue()


def catalogue_snapshot() -> dict:
    """Everything a shopper sees, keyed by slug and SKU, without ids or timestamps."""
    products = {
        product.slug: (
            product.name,
            product.description,
            product.category.slug,
            product.category.parent.slug,
            product.is_active,
            product.is_featured,
        )
        for product in Product.objects.select_related("category__parent")
    }
    variants = {
        variant.sku: (variant.product.slug, variant.options, variant.price, variant.stock, variant.position)
        for variant in Variant.objects.select_related("product")
    }
    pictures = {}
    for image in ProductImage.objects.select_related("product"):
        digests = []
        for field_file in (image.image, image.thumbnail_small, image.thumbnail_large):
            with field_file.open("rb") as stored:
                digests.append(hashlib.sha256(stored.read()).hexdigest())
        pictures[image.product.slug] = (image.alt_text, image.width, image.height, *digests)
    return {"products": products, "variants": variants, "pictures": pictures}


def test_seed_demo_builds_a_two_level_category_tree():
    seed(18)

    top_level = Category.objects.filter(parent=None)
    assert top_level.count() == 6
    assert list(top_level.values_list("slug", flat=True)) == [
        "clothing",
        "home-kitchen",
        "tea-coffee",
        "electronics-accessories",
        "books-stationery",
        "outdoor",
    ]
    assert Category.objects.filter(parent__in=top_level).count() == 18
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    assert set(Category.objects.get(slug="clothing").children.values_list("name", flat=True)) == {
        "Men",
        "Women",
        "Kids",
    }


def test_every_product_has_one_to_four_variants_in_a_leaf_category():
    seed(60)

    variant_counts = Product.objects.annotate(count=Count("variants")).values_list("count", flat=True)
    assert Product.objects.count() == 60
    assert set(variant_counts) <= {1, 2, 3, 4}
    assert set(variant_counts) >= {1, 4}
    assert not Product.objects.filter(category__parent=None).exists()


def test_every_product_has_one_picture_with_both_thumbnails_stored():
    seed(20)

    assert ProductImage.objects.count() == 20
    assert not Product.objects.annotate(count=Count("images")).exclude(count=1).exists()
    image = ProductImage.objects.select_related("product").get(
        product__slug="washed-denim-oxford-shirt-00001"
    )
    assert image.alt_text == "Washed Denim Oxford Shirt"
    assert image.image.name == f"products/{image.product_id}/washed-denim-oxford-shirt-00001.jpg"
    assert image.thumbnail_small.name == "thumbnails/washed-denim-oxford-shirt-00001-small.jpg"
    assert image.thumbnail_large.name == "thumbnails/washed-denim-oxford-shirt-00001-large.jpg"
    sizes = {}
    for name, field_file in [
        ("image", image.image),
        ("small", image.thumbnail_small),
        ("large", image.thumbnail_large),
    ]:
        with field_file.open("rb") as stored, Image.open(stored) as picture:
            sizes[name] = (picture.format, picture.size)
    assert sizes == {
        "image": ("JPEG", (600, 600)),
        "small": ("JPEG", (400, 400)),
        "large": ("JPEG", (600, 600)),
    }
    assert (image.width, image.height) == (600, 600)


def test_skus_are_unique_and_follow_the_category_prefix_and_product_number():
    seed(36)

    skus = list(Variant.objects.values_list("sku", flat=True))
    shirt_skus = Variant.objects.filter(product__slug="washed-denim-oxford-shirt-00001").values_list(
        "sku", flat=True
    )
    assert len(skus) == len(set(skus))
    assert {sku[:4] for sku in skus} == {"CLO-", "HOM-", "TEA-", "ELE-", "BKS-", "OUT-"}
    assert sorted(shirt_skus) == ["CLO-00001-L", "CLO-00001-M", "CLO-00001-S"]


def test_prices_are_non_negative_decimals_that_end_like_shop_prices():
    seed(60)

    prices = list(Variant.objects.values_list("price", flat=True))
    assert all(isinstance(price, Decimal) for price in prices)
    assert all(price >= Decimal("0") for price in prices)
    assert {str(price)[-3:] for price in prices} <= {".00", ".90", ".99"}
    assert Variant.objects.get(sku="CLO-00001-M").price == Decimal("349.00")


def test_the_catalogue_mixes_sold_out_low_stock_featured_and_inactive_products():
    seed(120)

    assert Variant.objects.filter(stock=0).exists()
    assert Variant.objects.filter(stock__range=(1, 5)).exists()
    assert not Variant.objects.filter(stock__gt=120).exists()
    assert 5 <= Product.objects.filter(is_featured=True).count() <= 25
    assert 1 <= Product.objects.filter(is_active=False).count() <= 10


def test_chinese_product_names_are_found_by_substring_and_by_search_vector():
    seed(36)

    longjing = Product.objects.get(name__icontains="龙井")
    assert longjing.name == "西湖龙井 West Lake Longjing Green Tea (Organic)"
    assert "产自杭州西湖" in longjing.description
    assert list(Product.objects.filter(search_vector=SearchQuery("西湖龙井", config="simple"))) == [longjing]
    assert longjing in Product.objects.filter(search_vector=SearchQuery("longjing", config="english"))
    assert Product.objects.filter(name__icontains="铁观音").count() == 1


def test_search_vector_includes_the_skus_of_each_products_variants():
    seed(18)

    found = Product.objects.filter(search_vector=SearchQuery("CLO-00001-M", config="simple"))
    assert list(found.values_list("slug", flat=True)) == ["washed-denim-oxford-shirt-00001"]


def test_seeding_again_adds_and_changes_nothing():
    seed(30)
    before = catalogue_snapshot()
    counts = (Category.objects.count(), Product.objects.count(), Variant.objects.count())

    output = seed(30)

    assert catalogue_snapshot() == before
    assert (Category.objects.count(), Product.objects.count(), Variant.objects.count()) == counts
    assert ProductImage.objects.count() == 30
    assert "30 products (0 new), 0 new variants, 0 new pictures, 0 new categories" in output


def test_seeding_is_deterministic_from_an_empty_database():
    seed(30)
    first = catalogue_snapshot()
    ProductImage.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()

    seed(30)

    assert catalogue_snapshot() == first


def test_more_products_later_adds_only_the_new_ones_and_keeps_the_first_ones():
    seed(20)
    first = catalogue_snapshot()

    output = seed(25)

    later = catalogue_snapshot()
    assert Product.objects.count() == 25
    assert {slug: later["products"][slug] for slug in first["products"]} == first["products"]
    assert {slug: later["pictures"][slug] for slug in first["pictures"]} == first["pictures"]
    assert "25 products (5 new)" in output


def test_a_product_missing_its_picture_gets_it_back_and_nothing_else_changes():
    seed(10)
    product = Product.objects.get(slug="washed-denim-oxford-shirt-00001")
    product.images.all().delete()

    seed(10)

    assert product.images.count() == 1
    assert ProductImage.objects.count() == 10


def test_if_empty_does_nothing_when_a_product_exists():
    ProductFactory(name="Hand-made Bowl")

    output = seed(30, "--if-empty")

    assert list(Product.objects.values_list("name", flat=True)) == ["Hand-made Bowl"]
    assert not Variant.objects.exists()
    assert "skipped" in output


def test_if_empty_seeds_an_empty_catalogue():
    output = seed(12, "--if-empty")

    assert Product.objects.count() == 12
    assert "12 products (12 new)" in output


def test_seeding_bumps_the_catalogue_revision_after_commit(django_capture_on_commit_callbacks):
    before = CatalogRevision.objects.get(pk=1).number

    with django_capture_on_commit_callbacks(execute=True):
        seed(5)

    assert CatalogRevision.objects.get(pk=1).number > before


def test_worker_processes_draw_the_same_pictures_as_a_single_process():
    demo_catalog_seed(products=200, processes=1)
    single = catalogue_snapshot()
    ProductImage.objects.all().delete()

    result = demo_catalog_seed(products=200, processes=2)

    assert result.images_created == 200
    assert catalogue_snapshot()["pictures"] == single["pictures"]


@pytest.mark.parametrize("value", ["abc", "-1", "1000001", "1.5", ""])
def test_a_bad_product_count_is_refused_with_a_clear_message(value):
    with pytest.raises(CommandError, match="expected a whole number from 0 to 1000000"):
        call_command("seed_demo", "--products", value)

    assert not Product.objects.exists()


def test_every_demo_variant_has_a_packed_weight_for_shipping_rates():
    seed(30)

    weights = list(Variant.objects.values_list("weight_grams", flat=True))
    assert None not in weights
    assert min(weights) >= 150
    assert max(weights) <= 2050
    assert len(set(weights)) > 3


def test_products_past_the_distinct_pictures_share_a_few_scenes_as_hard_links(monkeypatch):
    monkeypatch.setattr(demo_seed, "DISTINCT_PICTURES", 10)
    monkeypatch.setattr(demo_seed, "SHARED_SCENES", 1)
    demo_catalog_seed(products=60, processes=1)

    groups: dict[tuple[str, float], list[str]] = {}
    for number in range(11, 61):
        spec = product_spec(number=number)
        groups.setdefault((spec.initials, spec.hue), []).append(spec.slug)
    first_slug, second_slug = next(slugs for slugs in groups.values() if len(slugs) > 1)[:2]
    first = ProductImage.objects.get(product__slug=first_slug)
    second = ProductImage.objects.get(product__slug=second_slug)

    assert ProductImage.objects.count() == 60
    assert second.image.name == f"products/{second.product_id}/{second_slug}.jpg"
    assert second.thumbnail_small.name == f"thumbnails/{second_slug}-small.jpg"
    for field in ("image", "thumbnail_small", "thumbnail_large"):
        assert os.path.samefile(getattr(first, field).path, getattr(second, field).path)
    os.remove(first.image.path)
    assert os.path.exists(second.image.path)  # deleting one product's file leaves the other's


def product_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_product'")
        return dict(cursor.fetchall())


def test_a_bulk_load_into_an_empty_catalogue_gives_the_same_catalogue_and_indexes(monkeypatch):
    indexes = product_indexes()
    seed(30)
    row_by_row = catalogue_snapshot()
    ProductImage.objects.all().delete()
    Product.objects.all().delete()
    monkeypatch.setattr(demo_seed, "BULK_LOAD_MIN", 30)

    seed(30)

    assert catalogue_snapshot() == row_by_row
    assert product_indexes() == indexes
    found = Product.objects.filter(search_vector=SearchQuery("CLO-00001-M", config="simple"))
    assert list(found.values_list("slug", flat=True)) == ["washed-denim-oxford-shirt-00001"]

    # Django's foreign keys are deferred to the commit again, as the load found them: a variant
    # may still be written before its product.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_variant"
            " (product_id, sku, options, price, stock, position, is_active, created_at, updated_at)"
            " VALUES (999999999, 'LATE-1', '{}', 1, 0, 0, true, now(), now())"
        )
    ProductFactory(pk=999999999, name="Late product")
    assert Variant.objects.get(sku="LATE-1").product.name == "Late product"


def test_a_caller_that_catches_a_failed_load_keeps_every_index():
    indexes = product_indexes()

    with transaction.atomic():
        try:
            with secondary_indexes_deferred(Product):
                raise RuntimeError("disk full")
        except RuntimeError:
            pass

    assert product_indexes() == indexes


def test_a_failed_bulk_load_writes_no_row_and_keeps_every_index(monkeypatch):
    indexes = product_indexes()
    monkeypatch.setattr(demo_seed, "BULK_LOAD_MIN", 10)
    monkeypatch.setattr(demo_seed, "_SEED_BATCH", 10)
    batches = []

    def fail_on_the_second_batch(done: int) -> None:
        batches.append(done)
        if len(batches) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        demo_catalog_seed(products=30, processes=1, progress=fail_on_the_second_batch)

    assert not Product.objects.exists()
    assert not Variant.objects.exists()
    assert product_indexes() == indexes


def test_a_large_seed_reports_its_progress(monkeypatch):
    monkeypatch.setattr(seed_demo_command, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(demo_seed, "_SEED_BATCH", 10)

    output = seed(25)

    assert "10 of 25 products done…" in output
    assert "20 of 25 products done…" in output
    assert "25 of 25" not in output


@pytest.mark.django_db(transaction=True)
def test_two_seeds_at_once_write_the_catalogue_once(monkeypatch):
    monkeypatch.setattr(demo_seed, "BULK_LOAD_MIN", 20)

    results = run_together(
        lambda: demo_catalog_seed(products=20, processes=1),
        lambda: demo_catalog_seed(products=20, processes=1),
    )

    assert sorted(result.products_created for result in results) == [0, 20]
    assert Product.objects.count() == 20
    assert ProductImage.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_deferring_the_indexes_outside_a_transaction_is_refused():
    with (
        pytest.raises(TransactionManagementError, match="needs a transaction"),
        secondary_indexes_deferred(Product),
    ):
        pass

    assert product_indexes()["catalog_product_search_gin"]
