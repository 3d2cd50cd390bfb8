"""Product admin photos: refused uploads, thumbnails made and replaced, old files deleted, option photos."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Product, ProductImage, Variant
from catalog.services import product_image_create
from tests.catalog.product_admin_forms import (
    ADD_URL,
    CHANGELIST_URL,
    admin_errors,
    product_change_data,
    product_data,
    stored_size,
    variant_row,
)
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.images import image_bytes, image_upload, png_bomb_upload

pytestmark = pytest.mark.django_db


def _media_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("upload", "max_bytes", "expected"),
    [
        (
            lambda: SimpleUploadedFile("notes.jpg", b"Dear diary, a text file.", content_type="image/jpeg"),
            None,
            "The file is not a valid image. Upload a JPEG, PNG, WebP or GIF file.",
        ),
        (
            lambda: image_upload(size=(600, 600), image_format="PNG"),
            500,
            "The file is too large",
        ),
        (
            lambda: png_bomb_upload(width=50_000, height=50_000),
            None,
            "The image has far too many pixels. The largest image accepted has 40 megapixels.",
        ),
    ],
    ids=["not-an-image", "oversized", "decompression-bomb"],
)
def test_a_refused_upload_shows_the_form_error_and_saves_nothing(
    staff_client, settings, upload, max_bytes, expected
):
    if max_bytes is not None:
        settings.PRODUCT_IMAGE_MAX_BYTES = max_bytes
    data = product_data(
        category=CategoryFactory(),
        variants=[variant_row()],
        images=[{"image": upload(), "alt_text": "", "position": "0"}],
    )

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert [message for message in admin_errors(response) if message.startswith(expected)] != []
    assert Product.objects.count() == 0
    assert Variant.objects.count() == 0
    assert ProductImage.objects.count() == 0
    assert _media_files(settings) == []


def test_replacing_a_photo_remakes_its_thumbnails_and_deletes_the_old_files(
    staff_client, django_capture_on_commit_callbacks
):
    variant = VariantFactory(sku="MUG-1", options={})
    product = variant.product
    old = product_image_create(product=product, data=image_bytes(size=(800, 800)), filename="old.jpg")
    old_names = [old.image.name, old.thumbnail_small.name, old.thumbnail_large.name]
    data = product_change_data(
        product,
        variant=variant,
        images=[
            {
                "id": old.pk,
                "image": image_upload("new.png", size=(1200, 600), image_format="PNG"),
                "position": 0,
            }
        ],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert image.image.name == f"products/{product.pk}/new.png"
    assert stored_size(image.thumbnail_small) == (400, 200)
    assert stored_size(image.thumbnail_large) == (1000, 500)
    assert [default_storage.exists(name) for name in old_names] == [False, False, False]


def test_deleting_a_photo_deletes_its_files_after_commit(staff_client, django_capture_on_commit_callbacks):
    variant = VariantFactory(sku="MUG-2")
    product = variant.product
    image = product_image_create(product=product, data=image_bytes(size=(800, 800)), filename="gone.jpg")
    names = [image.image.name, image.thumbnail_small.name, image.thumbnail_large.name]
    data = product_change_data(
        product, variant=variant, images=[{"id": image.pk, "position": 0, "DELETE": "on"}]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    assert ProductImage.objects.count() == 0
    assert [default_storage.exists(name) for name in names] == [False, False, False]


def test_saving_a_product_makes_the_thumbnails_an_image_lacks(staff_client):
    variant = VariantFactory(sku="BARE-1")
    product = variant.product
    image = ProductImage(product=product)
    image.image.save("bare.jpg", ContentFile(image_bytes(size=(900, 600))), save=True)
    data = product_change_data(
        product, variant=variant, images=[{"id": image.pk, "alt_text": "", "position": 0}]
    )

    response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    image.refresh_from_db()
    assert stored_size(image.thumbnail_small) == (400, 267)
    assert stored_size(image.thumbnail_large) == (900, 600)


def test_deleting_products_deletes_their_photo_files(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory()
    image = product_image_create(product=product, data=image_bytes(size=(300, 300)), filename="bye.jpg")
    names = [image.image.name, image.thumbnail_small.name, image.thumbnail_large.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST_URL,
            {"action": "delete_selected", "_selected_action": [product.pk], "index": "0", "post": "yes"},
        )

    assert response.status_code == 302
    assert Product.objects.count() == 0
    assert [default_storage.exists(name) for name in names] == [False, False, False]


def test_deleting_one_product_deletes_its_photo_files(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory()
    image = product_image_create(product=product, data=image_bytes(size=(300, 300)), filename="bye.jpg")
    names = [image.image.name, image.thumbnail_small.name, image.thumbnail_large.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert Product.objects.count() == 0
    assert [default_storage.exists(name) for name in names] == [False, False, False]


def test_a_photo_can_belong_to_one_of_the_products_own_options_only(staff_client):
    variant = VariantFactory(sku="CUP-BLUE", options={"Colour": "Blue"})
    product = variant.product
    stranger = VariantFactory(sku="OTHER-1")
    photo = product_image_create(product=product, data=image_bytes(size=(40, 40)), filename="blue.jpg")
    url = reverse("admin:catalog_product_change", args=[product.pk])

    refused = staff_client.post(
        url,
        product_change_data(
            product, variant=variant, images=[{"id": photo.pk, "position": 0, "variant": stranger.pk}]
        ),
    )
    photo.refresh_from_db()
    refused_variant = photo.variant_id
    taken = staff_client.post(
        url,
        product_change_data(
            product, variant=variant, images=[{"id": photo.pk, "position": 0, "variant": variant.pk}]
        ),
    )

    assert refused.status_code == 200
    assert any("Select a valid choice" in message for message in admin_errors(refused))
    assert refused_variant is None
    assert taken.status_code == 302
    assert ProductImage.objects.get().variant == variant


def test_the_photo_inline_offers_the_products_options_by_name(staff_client):
    variant = VariantFactory(sku="CUP-BLUE", options={"Colour": "Blue"})
    VariantFactory(sku="OTHER-1", options={"Colour": "Red"})
    product_image_create(product=variant.product, data=image_bytes(size=(40, 40)), filename="blue.jpg")

    html = staff_client.get(
        reverse("admin:catalog_product_change", args=[variant.product.pk])
    ).content.decode()

    select = html.split('name="images-0-variant"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select) == [
        ("", "---------"),
        (str(variant.pk), "Colour: Blue"),
    ]
