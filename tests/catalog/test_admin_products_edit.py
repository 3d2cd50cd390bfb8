"""Product admin add and change forms: variants, options, prices and validation errors."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from catalog.services import product_image_create
from tests.catalog.product_admin_forms import ADD_URL, admin_errors, product_data, stored_size, variant_row
from tests.factories import CategoryFactory, VariantFactory
from tests.images import image_bytes, image_upload

pytestmark = pytest.mark.django_db


def test_staff_adds_a_product_with_two_variants_and_a_photo(staff_client, django_capture_on_commit_callbacks):
    category = CategoryFactory()
    data = product_data(
        category=category,
        variants=[
            variant_row(sku="SHIRT-M-BLUE", options="Size: M, Colour: Blue", price="199.00", stock=4),
            variant_row(
                sku="SHIRT-L-BLUE", options="Size: L\nColour: Blue", price="209.50", stock=0, position=1
            ),
        ],
        images=[{"image": image_upload(size=(1600, 1200)), "alt_text": "The shirt, folded", "position": "0"}],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADD_URL, data)

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.name, product.slug, product.category, product.is_active) == (
        "Linen Shirt",
        "linen-shirt",
        category,
        True,
    )
    variants = list(product.variants.values_list("sku", "options", "price", "stock", "position"))
    assert variants == [
        ("SHIRT-M-BLUE", {"Size": "M", "Colour": "Blue"}, Decimal("199.00"), 4, 0),
        ("SHIRT-L-BLUE", {"Size": "L", "Colour": "Blue"}, Decimal("209.50"), 0, 1),
    ]
    image = product.images.get()
    assert (image.width, image.height, image.alt_text) == (1600, 1200, "The shirt, folded")
    assert image.image.name == f"products/{product.pk}/photo.jpg"
    assert stored_size(image.thumbnail_small) == (400, 300)
    assert stored_size(image.thumbnail_large) == (1000, 750)


def test_options_that_are_not_name_value_pairs_are_refused(staff_client):
    data = product_data(category=CategoryFactory(), variants=[variant_row(options="Size M, Colour: Blue")])

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert admin_errors(response) == [
        "“Size M” is not an option. Write options as Name: Value, e.g. Size: M."
    ]
    assert Product.objects.count() == 0


def test_a_negative_price_is_refused_with_a_clear_error(staff_client):
    data = product_data(category=CategoryFactory(), variants=[variant_row(price="-1.00")])

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert admin_errors(response) == ["The price cannot be negative."]
    assert Product.objects.count() == 0


def test_a_product_needs_at_least_one_variant(staff_client):
    data = product_data(category=CategoryFactory(), variants=[])
    data["variants-MIN_NUM_FORMS"] = "1"

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert admin_errors(response) == ["Please submit at least 1 form."]
    assert Product.objects.count() == 0


def test_the_change_form_shows_options_as_text_and_a_thumbnail_preview(staff_client):
    variant = VariantFactory(options={"Size": "M", "Colour": "Blue"})
    image = product_image_create(product=variant.product, data=image_bytes(size=(500, 500)), filename="p.jpg")

    response = staff_client.get(reverse("admin:catalog_product_change", args=[variant.product.pk]))

    assert response.status_code == 200
    assert 'value="Size: M, Colour: Blue"' in response.content.decode()
    assert f'src="{image.thumbnail_small.url}"' in response.content.decode()
