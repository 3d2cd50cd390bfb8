"""A listing card's data: the SQL that reads it agrees with the catalogue's own rules in Python."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.cache.base import product_card, product_cards
from catalog.models import Product, ProductImage, Variant
from catalog.paging import product_page_get
from catalog.selectors import ProductFilters, product_get_visible, product_list
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _catalogue() -> list[Product]:
    """Products whose cards differ in every field: sales now, past and to come, inactive options, photos."""
    category = CategoryFactory()
    on_sale = ProductFactory(category=category, name="Alpha")
    VariantFactory(product=on_sale, price=Decimal("30.00"), sale_price=Decimal("20.00"), position=1)
    VariantFactory(product=on_sale, price=Decimal("25.00"), position=2)
    ended = ProductFactory(category=category, name="Bravo")
    VariantFactory(product=ended, price=Decimal("40.00"), sale_price=Decimal("10.00"), sale_ends_at=AT - DAY)
    to_come = ProductFactory(category=category, name="Charlie")
    VariantFactory(
        product=to_come, price=Decimal("50.00"), sale_price=Decimal("5.00"), sale_starts_at=AT + DAY
    )
    VariantFactory(product=to_come, price=Decimal("1.00"), is_active=False)
    sold_out = ProductFactory(category=category, name="Delta")
    VariantFactory(product=sold_out, price=Decimal("9.99"), stock=0)
    # Rows only (no files): the sizes are given, so nothing opens the images.
    size = {"width": 400, "height": 400}
    ProductImage.objects.bulk_create(
        [
            ProductImage(product=on_sale, image="products/a2.jpg", alt_text="second", position=2, **size),
            ProductImage(
                product=on_sale,
                image="products/a1.jpg",
                thumbnail_small="thumbnails/a1.jpg",
                position=1,
                **size,
            ),
            ProductImage(
                product=ended, image="products/b.jpg", alt_text="Bravo on a table", position=0, **size
            ),
        ]
    )
    return [on_sale, ended, to_come, sold_out]


def _expected(product: Product) -> tuple:
    """A card's figures worked out by the model's own rules, as the product page does."""
    variants = list(Variant.objects.filter(product=product, is_active=True))
    paid = [variant.price_at(AT) for variant in variants]
    first = ProductImage.objects.filter(product=product).order_by("position", "id").first()
    return (
        min(paid),
        max(paid),
        min(variant.price for variant in variants),
        any(variant.is_on_sale_at(AT) for variant in variants),
        (first.thumbnail_small.name or None) if first else None,
        first.image.name if first else None,
        first.alt_text if first else None,
    )


def _read(product: Product) -> tuple:
    return (
        product.from_price,
        product.to_price,
        product.regular_from_price,
        product.on_sale,
        product.image_small or None,
        product.image_full,
        product.image_alt,
    )


def test_card_prices_sale_flag_and_first_photo_follow_the_models_rules():
    products = _catalogue()
    category_ids = [products[0].category_id]

    listed = {product.pk: _read(product) for product in product_list(category_ids=category_ids, at=AT)}

    assert listed == {product.pk: _expected(product) for product in products}
    assert listed[products[0].pk][:4] == (Decimal("20.00"), Decimal("25.00"), Decimal("25.00"), True)
    assert listed[products[2].pk][:4] == (Decimal("50.00"), Decimal("50.00"), Decimal("50.00"), False)


def test_card_columns_keep_to_their_product_inside_a_subquery():
    products = _catalogue()
    category_ids = [products[0].category_id]
    on_sale = product_list(category_ids=category_ids, at=AT).filter(on_sale=True).values("pk")

    outer = Product.objects.filter(pk__in=on_sale)

    assert list(outer.values_list("name", flat=True)) == ["Alpha"]


def test_a_listing_page_reads_ids_without_card_columns_and_cards_for_the_page_only():
    products = _catalogue()
    category_ids = [products[0].category_id]

    with CaptureQueriesContext(connection) as queries:
        page = product_page_get(category_ids=category_ids, filters=ProductFilters(), at=AT)

    assert [product.name for product in page.products] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert [_read(product) for product in page.products] == [_expected(product) for product in products]
    with_cards = [query["sql"] for query in queries.captured_queries if "card_variant" in query["sql"]]
    assert len(queries.captured_queries) == 3
    assert len(with_cards) == 1


def test_cards_of_a_list_link_each_product_as_its_own_url():
    products = _catalogue()
    listed = list(product_list(category_ids=[products[0].category_id], at=AT))

    cards = product_cards(listed)

    assert cards == [product_card(product) for product in listed]
    assert [card["url"] for card in cards] == [product.get_absolute_url() for product in listed]


def test_the_visible_product_holds_its_active_options_in_order_and_its_photos():
    products = _catalogue()

    with CaptureQueriesContext(connection) as queries:
        product = product_get_visible(slug=products[2].slug, category_ids=[products[2].category_id])
        labels = [str(variant) for variant in product.active_variants]

    assert [variant.price for variant in product.active_variants] == [Decimal("50.00")]
    assert labels == [str(Variant.objects.get(product=products[2], is_active=True))]
    assert product.ordered_images == []
    assert len(queries.captured_queries) == 3
