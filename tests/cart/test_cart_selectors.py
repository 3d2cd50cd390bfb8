from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cart.selectors import CartLine, cart_get
from catalog.models import ProductImage
from tests.factories import ProductFactory, VariantFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def test_cart_get_prices_lines_from_todays_catalogue():
    shirt = VariantFactory(price=Decimal("19.99"), stock=10, options={"Size": "M"})
    mug = VariantFactory(price=Decimal("0.10"), stock=10)
    session = {"cart": {str(shirt.pk): 3, str(mug.pk): 7}}
    shirt.price = Decimal("21.50")
    shirt.save()

    cart = cart_get(session=session)

    assert [line.variant_id for line in cart.lines] == [shirt.pk, mug.pk]
    assert [line.unit_price for line in cart.lines] == [Decimal("21.50"), Decimal("0.10")]
    assert [line.line_total for line in cart.lines] == [Decimal("64.50"), Decimal("0.70")]
    assert cart.lines[0].options_label == "Size: M"
    assert cart.subtotal == Decimal("65.20")
    assert cart.count == 10
    assert not cart.has_problems


def test_cart_get_flags_withdrawn_sold_out_and_short_lines():
    withdrawn = VariantFactory(product=ProductFactory(is_active=False), stock=5)
    sold_out = VariantFactory(stock=0)
    short = VariantFactory(stock=2, price=Decimal("10.00"))
    fine = VariantFactory(stock=9, price=Decimal("1.00"))
    session = {"cart": {str(withdrawn.pk): 1, str(sold_out.pk): 1, str(short.pk): 3, str(fine.pk): 1}}

    cart = cart_get(session=session)

    assert [line.problem for line in cart.lines] == [
        CartLine.PROBLEM_UNAVAILABLE,
        CartLine.PROBLEM_SOLD_OUT,
        CartLine.PROBLEM_SHORT,
        "",
    ]
    assert cart.has_problems
    assert cart.subtotal == Decimal("31.00")


def test_cart_get_leaves_out_deleted_variants_and_reports_them():
    variant = VariantFactory()
    session = {"cart": {str(variant.pk): 1, "99999999": 2}}

    cart = cart_get(session=session)

    assert [line.variant_id for line in cart.lines] == [variant.pk]
    assert cart.missing_variant_ids == (99999999,)


def test_cart_get_takes_two_queries_however_many_lines(django_assert_num_queries):
    session = {"cart": {str(VariantFactory().pk): 1 for _ in range(6)}}

    with django_assert_num_queries(2):
        cart = cart_get(session=session)
        [line.thumbnail_url for line in cart.lines]

    assert len(cart.lines) == 6


def test_cart_get_reads_photos_in_its_two_queries_however_many_lines(django_assert_num_queries):
    variants = []
    for number in range(3):
        product = ProductFactory()
        ProductImage.objects.create(
            product=product,
            image=SimpleUploadedFile(
                f"photo{number}.jpg", image_bytes(size=(20, 10)), content_type="image/jpeg"
            ),
            thumbnail_small=SimpleUploadedFile(
                f"photo{number}-small.jpg", image_bytes(size=(8, 4)), content_type="image/jpeg"
            ),
        )
        variants.append(VariantFactory(product=product))
    session = {"cart": {str(variant.pk): 1 for variant in variants}}

    with django_assert_num_queries(2):
        cart = cart_get(session=session)
        urls = [line.thumbnail_url for line in cart.lines]
        sizes = [(line.thumbnail.width, line.thumbnail.height) for line in cart.lines]

    assert [url.rsplit("/", 1)[-1] for url in urls] == [
        "photo0-small.jpg",
        "photo1-small.jpg",
        "photo2-small.jpg",
    ]
    assert sizes == [(20, 10)] * 3


def test_cart_get_without_thumbnails_takes_one_query(django_assert_num_queries):
    product = ProductFactory()
    ProductImage.objects.create(
        product=product,
        image=SimpleUploadedFile("photo.jpg", image_bytes(size=(20, 10)), content_type="image/jpeg"),
    )
    variant = VariantFactory(product=product, price=Decimal("5.00"))
    session = {"cart": {str(variant.pk): 2, str(VariantFactory().pk): 1}}

    with django_assert_num_queries(1):
        cart = cart_get(session=session, with_thumbnails=False)

    assert [line.thumbnail for line in cart.lines] == [None, None]
    assert cart.lines[0].line_total == Decimal("10.00")


def test_an_empty_cart_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        cart = cart_get(session={})

    assert cart.is_empty
    assert cart.subtotal == Decimal("0.00")
