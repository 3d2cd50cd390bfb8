"""The stored listing price and stock flag of products, kept by the database on every write path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalog.models import CatalogRevision, Product, Variant
from catalog.receivers import variant_schedule_source
from catalog.services import catalog_schedule_fold, catalog_schedule_set
from tests.catalog.test_scheduled_changes import db_now, wait_until
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def stored(product: Product) -> tuple[Decimal | None, bool]:
    return tuple(Product.objects.filter(pk=product.pk).values_list("listed_price", "in_stock").get())


def test_the_lowest_active_price_and_stock_follow_price_edits_deactivation_and_stock():
    product = ProductFactory()
    assert stored(product) == (None, False)
    cheap = VariantFactory(product=product, price=Decimal("10.00"), stock=0)
    VariantFactory(product=product, price=Decimal("30.00"), stock=0)
    assert stored(product) == (Decimal("10.00"), False)

    cheap.price = Decimal("40.00")
    cheap.save()
    assert stored(product) == (Decimal("30.00"), False)

    cheap.stock = 3
    cheap.save()
    assert stored(product) == (Decimal("30.00"), True)
    Variant.objects.filter(pk=cheap.pk).update(stock=0)
    assert stored(product) == (Decimal("30.00"), False)

    Variant.objects.filter(product=product).update(is_active=False)
    assert stored(product) == (None, False)


def test_a_sale_that_applies_now_sets_the_price_and_a_stale_product_save_does_not_undo_it():
    product = ProductFactory()
    variant = VariantFactory(product=product, price=Decimal("199.00"), stock=5)
    stale = Product.objects.get(pk=product.pk)
    variant.sale_price = Decimal("149.00")
    variant.save()
    assert stored(product) == (Decimal("149.00"), True)

    stale.name = "Renamed"
    stale.save()  # writes its old listed_price: the database recomputes it
    assert stored(product) == (Decimal("149.00"), True)


def test_a_stock_change_that_does_not_cross_zero_leaves_the_product_row_alone():
    product = ProductFactory()
    variant = VariantFactory(product=product, stock=5)
    # Any update of the product row gives it a new version (ctid).
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM catalog_product WHERE id = %s", [product.pk])
        ctid = cursor.fetchone()[0]
        cursor.execute("UPDATE catalog_variant SET stock = stock - 3 WHERE id = %s", [variant.pk])
        cursor.execute("SELECT ctid::text FROM catalog_product WHERE id = %s", [product.pk])
        assert cursor.fetchone()[0] == ctid
        cursor.execute("UPDATE catalog_variant SET stock = 0 WHERE id = %s", [variant.pk])
        cursor.execute("SELECT ctid::text, in_stock FROM catalog_product WHERE id = %s", [product.pk])
        assert cursor.fetchone() != (ctid, True)


def test_a_bulk_insert_sets_every_product_in_one_statement():
    products = [ProductFactory() for _ in range(3)]
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"BULK-{n}-{k}", price=Decimal(10 + n + k), stock=k)
        for n, product in enumerate(products)
        for k in range(2)
    )
    assert [stored(product) for product in products] == [
        (Decimal("10.00"), True),
        (Decimal("11.00"), True),
        (Decimal("12.00"), True),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_fold_reprices_products_whose_sale_started_or_ended():
    CatalogRevision.objects.get_or_create(pk=1)
    starts = db_now() + timedelta(seconds=1)
    ends = starts + timedelta(seconds=1)
    product = ProductFactory()
    VariantFactory(
        product=product,
        price=Decimal("199.00"),
        sale_price=Decimal("149.00"),
        sale_starts_at=starts,
        sale_ends_at=ends,
        stock=1,
    )
    assert stored(product) == (Decimal("199.00"), True)

    wait_until(starts)
    assert catalog_schedule_fold() is not None
    assert stored(product) == (Decimal("149.00"), True)

    wait_until(ends)
    assert catalog_schedule_fold() is not None
    assert stored(product) == (Decimal("199.00"), True)


@pytest.mark.django_db(transaction=True)
def test_a_sale_that_starts_between_the_variant_write_and_its_schedule_is_repriced_by_the_fold():
    CatalogRevision.objects.get_or_create(pk=1)
    product = ProductFactory()
    variant = VariantFactory(product=product, price=Decimal("199.00"), stock=1)

    with transaction.atomic():
        starts = db_now() + timedelta(milliseconds=300)
        # The trigger stores the price as at this statement, before the sale starts ...
        Variant.objects.filter(pk=variant.pk).update(sale_price=Decimal("149.00"), sale_starts_at=starts)
        wait_until(starts)
        # ... and the sale has started by the time the same transaction schedules its moment.
        catalog_schedule_set(source=variant_schedule_source(variant.pk), moments=[starts])
    assert stored(product) == (Decimal("199.00"), True)

    assert catalog_schedule_fold() is not None
    assert stored(product) == (Decimal("149.00"), True)
