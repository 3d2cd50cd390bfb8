import random
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from catalog.images import image_validate, thumbnails_make
from catalog.models import ProductImage
from catalog.services import product_image_create, product_image_make_thumbnails
from tests.catalog.product_admin_forms import stored_size
from tests.factories import ProductFactory
from tests.images import ROTATE_90_CW, image_bytes, png_bomb_bytes, truncated_jpeg_upload

pytestmark = pytest.mark.django_db


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize(
    ("image_format", "mode", "colour"),
    [("JPEG", "RGB", (1, 2, 3)), ("PNG", "RGBA", (1, 2, 3, 4)), ("WEBP", "RGB", (1, 2, 3)), ("GIF", "P", 7)],
)
def test_image_validate_accepts_the_allowed_formats(image_format, mode, colour):
    data = image_bytes(size=(64, 48), image_format=image_format, mode=mode, colour=colour)

    assert image_validate(BytesIO(data)) == image_format


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not a picture",
        b"",
        image_bytes(size=(32, 32), image_format="BMP"),
        image_bytes(size=(32, 32), image_format="TIFF"),
        truncated_jpeg_upload().read(),
    ],
    ids=["text", "empty", "bmp", "tiff", "truncated-jpeg"],
)
def test_image_validate_refuses_files_that_are_not_allowed_images(data):
    with pytest.raises(ValidationError) as caught:
        image_validate(BytesIO(data))

    assert caught.value.code == "invalid_image"
    assert caught.value.messages == ["The file is not a valid image. Upload a JPEG, PNG, WebP or GIF file."]


def test_image_validate_refuses_a_file_over_the_size_setting(settings):
    settings.PRODUCT_IMAGE_MAX_BYTES = 1000
    noise = Image.frombytes("RGB", (100, 100), random.Random(1).randbytes(100 * 100 * 3))
    buffer = BytesIO()
    noise.save(buffer, "PNG")
    data = buffer.getvalue()

    with pytest.raises(ValidationError) as caught:
        image_validate(BytesIO(data))

    assert len(data) > 1000
    assert caught.value.code == "file_too_large"


def test_image_validate_refuses_a_decompression_bomb_before_decoding_it():
    bomb = png_bomb_bytes(width=50_000, height=50_000)

    with pytest.raises(ValidationError) as caught:
        image_validate(BytesIO(bomb))

    assert len(bomb) < 1000
    assert caught.value.code == "too_many_pixels"


def test_image_validate_refuses_more_pixels_than_the_setting_allows(settings):
    settings.PRODUCT_IMAGE_MAX_PIXELS = 1_000_000
    header_only = png_bomb_bytes(width=2000, height=1000)

    with pytest.raises(ValidationError) as caught:
        image_validate(BytesIO(header_only))

    assert caught.value.code == "too_many_pixels"
    assert caught.value.messages == [
        "The image is too large (2000 × 1000 pixels). The largest image accepted has 1 megapixels."  # noqa: RUF001
    ]


def test_thumbnails_make_fits_both_boxes_keeping_the_aspect_ratio():
    thumbnails = thumbnails_make(data=image_bytes(size=(1600, 1200)), name="products/7/linen-shirt.jpg")

    assert thumbnails.small.name == "linen-shirt-small.jpg"
    assert thumbnails.large.name == "linen-shirt-large.jpg"
    assert _size(thumbnails.small.read()) == (400, 300)
    assert _size(thumbnails.large.read()) == (1000, 750)


def test_thumbnails_make_applies_the_exif_orientation():
    sideways = image_bytes(size=(1600, 800), orientation=ROTATE_90_CW)

    thumbnails = thumbnails_make(data=sideways, name="portrait.jpg")

    assert _size(thumbnails.small.read()) == (200, 400)
    assert _size(thumbnails.large.read()) == (500, 1000)


def test_thumbnails_make_flattens_transparency_to_an_rgb_jpeg():
    transparent = image_bytes(size=(600, 600), image_format="PNG", mode="RGBA", colour=(0, 0, 0, 0))

    thumbnails = thumbnails_make(data=transparent, name="logo.png")

    with Image.open(BytesIO(thumbnails.small.read())) as small:
        assert (small.format, small.mode, small.size) == ("JPEG", "RGB", (400, 400))
        assert small.getpixel((200, 200)) == (255, 255, 255)


def test_thumbnails_make_never_enlarges_a_small_image():
    thumbnails = thumbnails_make(
        data=image_bytes(size=(300, 200), image_format="GIF", mode="P", colour=3), name="a.gif"
    )

    assert _size(thumbnails.small.read()) == (300, 200)
    assert _size(thumbnails.large.read()) == (300, 200)


def test_product_image_make_thumbnails_stores_both_sizes():
    image = ProductImage(product=ProductFactory())
    image.image.save("shirt.jpg", ContentFile(image_bytes(size=(2000, 1000))), save=False)
    image.save()

    product_image_make_thumbnails(image=image)

    image.refresh_from_db()
    assert image.thumbnail_small.name.startswith("thumbnails/shirt-small")
    assert image.thumbnail_large.name.startswith("thumbnails/shirt-large")
    assert stored_size(image.thumbnail_small) == (400, 200)
    assert stored_size(image.thumbnail_large) == (1000, 500)


def test_product_image_make_thumbnails_deletes_the_thumbnails_it_replaces_after_commit(
    django_capture_on_commit_callbacks,
):
    image = product_image_create(
        product=ProductFactory(), data=image_bytes(size=(800, 800)), filename="a.jpg"
    )
    old_names = [image.thumbnail_small.name, image.thumbnail_large.name]
    image.image.save("b.jpg", ContentFile(image_bytes(size=(600, 300))), save=True)

    with django_capture_on_commit_callbacks(execute=True):
        product_image_make_thumbnails(image=image)

    assert [default_storage.exists(name) for name in old_names] == [False, False]
    assert stored_size(image.thumbnail_small) == (400, 200)


def test_product_image_create_stores_the_original_and_its_thumbnails():
    product = ProductFactory()

    image = product_image_create(
        product=product, data=image_bytes(size=(1200, 1200)), filename="mug.jpg", alt_text="A mug", position=2
    )

    image.refresh_from_db()
    assert image.image.name == f"products/{product.pk}/mug.jpg"
    assert (image.width, image.height, image.alt_text, image.position) == (1200, 1200, "A mug", 2)
    assert stored_size(image.thumbnail_small) == (400, 400)
    assert stored_size(image.thumbnail_large) == (1000, 1000)


def test_product_image_create_refuses_bytes_that_are_not_an_image_and_stores_nothing(settings):
    product = ProductFactory()

    with pytest.raises(ValidationError):
        product_image_create(product=product, data=b"<html>nope</html>", filename="x.jpg")

    assert ProductImage.objects.count() == 0
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []
