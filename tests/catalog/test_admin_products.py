from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import CatalogRevision, Product, ProductImage, Variant
from catalog.services import CATALOG_REVISION_PK, product_image_create, product_set_active
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login
from tests.images import image_bytes, image_upload, png_bomb_upload

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:catalog_product_add")
CHANGELIST_URL = reverse("admin:catalog_product_changelist")


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def _stored_size(field_file) -> tuple[int, int]:
    with field_file.open("rb") as opened, Image.open(BytesIO(opened.read())) as image:
        return image.size


def _media_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def _inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def _product_data(*, category, variants: list[dict], images: list[dict] = (), **fields) -> dict:
    data = {
        "name": "Linen Shirt",
        "slug": "linen-shirt",
        "category": str(category.pk),
        "description": "Cool in summer.",
        "is_active": "on",
        **fields,
    }
    data.update(_inline("variants", variants))
    data.update(_inline("images", list(images)))
    data.update(_inline("recommendation_overrides", []))  # the pins and hides inline, left empty
    return data


def _variant_row(**fields) -> dict:
    return {
        "sku": "SHIRT-M",
        "options": "",
        "price": "199.00",
        "stock": "10",
        "is_active": "on",
        "position": "0",
    } | {name: str(value) for name, value in fields.items()}


def _errors(response) -> list[str]:
    # The admin's error list mixes whole ErrorLists (forms) with single messages (formsets).
    messages = []
    for item in response.context["errors"]:
        messages.extend([str(item)] if isinstance(item, str) else [str(message) for message in item])
    return messages


def _revision() -> int:
    return CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number


def test_staff_adds_a_product_with_two_variants_and_a_photo(staff_client, django_capture_on_commit_callbacks):
    category = CategoryFactory()
    data = _product_data(
        category=category,
        variants=[
            _variant_row(sku="SHIRT-M-BLUE", options="Size: M, Colour: Blue", price="199.00", stock=4),
            _variant_row(
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
    assert _stored_size(image.thumbnail_small) == (400, 300)
    assert _stored_size(image.thumbnail_large) == (1000, 750)


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
    data = _product_data(
        category=CategoryFactory(),
        variants=[_variant_row()],
        images=[{"image": upload(), "alt_text": "", "position": "0"}],
    )

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert [message for message in _errors(response) if message.startswith(expected)] != []
    assert Product.objects.count() == 0
    assert Variant.objects.count() == 0
    assert ProductImage.objects.count() == 0
    assert _media_files(settings) == []


def test_options_that_are_not_name_value_pairs_are_refused(staff_client):
    data = _product_data(category=CategoryFactory(), variants=[_variant_row(options="Size M, Colour: Blue")])

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert _errors(response) == ["“Size M” is not an option. Write options as Name: Value, e.g. Size: M."]
    assert Product.objects.count() == 0


def test_a_negative_price_is_refused_with_a_clear_error(staff_client):
    data = _product_data(category=CategoryFactory(), variants=[_variant_row(price="-1.00")])

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert _errors(response) == ["The price cannot be negative."]
    assert Product.objects.count() == 0


def test_a_product_needs_at_least_one_variant(staff_client):
    data = _product_data(category=CategoryFactory(), variants=[])
    data["variants-MIN_NUM_FORMS"] = "1"

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert _errors(response) == ["Please submit at least 1 form."]
    assert Product.objects.count() == 0


def test_the_change_form_shows_options_as_text_and_a_thumbnail_preview(staff_client):
    variant = VariantFactory(options={"Size": "M", "Colour": "Blue"})
    image = product_image_create(product=variant.product, data=image_bytes(size=(500, 500)), filename="p.jpg")

    response = staff_client.get(reverse("admin:catalog_product_change", args=[variant.product.pk]))

    assert response.status_code == 200
    assert 'value="Size: M, Colour: Blue"' in response.content.decode()
    assert f'src="{image.thumbnail_small.url}"' in response.content.decode()


def test_replacing_a_photo_remakes_its_thumbnails_and_deletes_the_old_files(
    staff_client, django_capture_on_commit_callbacks
):
    variant = VariantFactory(sku="MUG-1", options={})
    product = variant.product
    old = product_image_create(product=product, data=image_bytes(size=(800, 800)), filename="old.jpg")
    old_names = [old.image.name, old.thumbnail_small.name, old.thumbnail_large.name]
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": str(product.category_id),
        "description": "",
        "is_active": "on",
    }
    data.update(_inline("variants", [_variant_row(id=variant.pk, sku="MUG-1")], initial=1))
    data.update(
        _inline(
            "images",
            [
                {
                    "id": old.pk,
                    "image": image_upload("new.png", size=(1200, 600), image_format="PNG"),
                    "position": 0,
                }
            ],
            initial=1,
        )
    )
    data.update(_inline("recommendation_overrides", []))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert image.image.name == f"products/{product.pk}/new.png"
    assert _stored_size(image.thumbnail_small) == (400, 200)
    assert _stored_size(image.thumbnail_large) == (1000, 500)
    assert [default_storage.exists(name) for name in old_names] == [False, False, False]


def test_deleting_a_photo_deletes_its_files_after_commit(staff_client, django_capture_on_commit_callbacks):
    variant = VariantFactory(sku="MUG-2")
    product = variant.product
    image = product_image_create(product=product, data=image_bytes(size=(800, 800)), filename="gone.jpg")
    names = [image.image.name, image.thumbnail_small.name, image.thumbnail_large.name]
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": str(product.category_id),
        "is_active": "on",
    }
    data.update(_inline("variants", [_variant_row(id=variant.pk, sku="MUG-2")], initial=1))
    data.update(_inline("images", [{"id": image.pk, "position": 0, "DELETE": "on"}], initial=1))
    data.update(_inline("recommendation_overrides", []))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    assert ProductImage.objects.count() == 0
    assert [default_storage.exists(name) for name in names] == [False, False, False]


def test_search_by_sku_finds_the_product_once(staff_client):
    wanted = ProductFactory(name="Oxford Shirt")
    VariantFactory(product=wanted, sku="OXF-S")
    VariantFactory(product=wanted, sku="OXF-M")
    VariantFactory(product=ProductFactory(name="Tea Mug"), sku="MUG-BLUE")

    response = staff_client.get(CHANGELIST_URL, {"q": "OXF"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_search_keeps_the_stock_total_right(staff_client):
    product = ProductFactory(name="Oxford Shirt")
    VariantFactory(product=product, sku="OXF-S", stock=3, price=Decimal("99.00"))
    VariantFactory(product=product, sku="OXF-M", stock=4, price=Decimal("109.00"))

    response = staff_client.get(CHANGELIST_URL, {"q": "OXF"})

    [row] = response.context["cl"].result_list
    assert (row.total_stock, row.min_price, row.max_price) == (7, Decimal("99.00"), Decimal("109.00"))
    assert "¥99.00 – ¥109.00" in response.content.decode()  # noqa: RUF001


def _product_with_stock(name: str, *stocks: int, inactive_stock: int | None = None) -> Product:
    product = ProductFactory(name=name)
    for stock in stocks:
        VariantFactory(product=product, stock=stock)
    if inactive_stock is not None:
        VariantFactory(product=product, stock=inactive_stock, is_active=False)
    return product


def _names(response) -> list[str]:
    return sorted(product.name for product in response.context["cl"].result_list)


def test_stock_filters(staff_client):
    _product_with_stock("Low", 3, 40)
    _product_with_stock("Plenty", 50)
    _product_with_stock("Sold out", 0, inactive_stock=9)
    _product_with_stock("Hidden low", 40, inactive_stock=2)

    low_stock = staff_client.get(CHANGELIST_URL, {"low_stock": "yes"})
    running_low = staff_client.get(CHANGELIST_URL, {"stock": "low"})
    sold_out = staff_client.get(CHANGELIST_URL, {"stock": "out"})
    in_stock = staff_client.get(CHANGELIST_URL, {"stock": "in"})

    assert _names(low_stock) == ["Low", "Sold out"]
    assert _names(running_low) == ["Low"]
    assert _names(sold_out) == ["Sold out"]
    assert _names(in_stock) == ["Hidden low", "Low", "Plenty"]


def test_an_unknown_filter_value_does_not_fail(staff_client):
    ProductFactory()

    response = staff_client.get(CHANGELIST_URL, {"stock": "lots", "low_stock": "maybe"})

    assert response.status_code == 200


def test_bulk_deactivate_changes_the_rows_and_bumps_the_catalogue_revision(
    staff_client, django_capture_on_commit_callbacks
):
    first, second, untouched = ProductFactory(), ProductFactory(), ProductFactory()
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST_URL,
            {"action": "deactivate_products", "_selected_action": [first.pk, second.pk], "index": "0"},
        )

    assert response.status_code == 302
    assert dict(Product.objects.values_list("pk", "is_active")) == {
        first.pk: False,
        second.pk: False,
        untouched.pk: True,
    }
    assert _revision() == before + 1


def test_bulk_activate_changes_the_rows_and_bumps_the_catalogue_revision(
    staff_client, django_capture_on_commit_callbacks
):
    hidden = ProductFactory(is_active=False)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            CHANGELIST_URL, {"action": "activate_products", "_selected_action": [hidden.pk], "index": "0"}
        )

    hidden.refresh_from_db()
    assert hidden.is_active is True
    assert _revision() == before + 1


def test_product_set_active_counts_only_changed_rows_and_bumps_once(django_capture_on_commit_callbacks):
    active, inactive = ProductFactory(is_active=True), ProductFactory(is_active=False)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = product_set_active(product_ids=[active.pk, inactive.pk], active=True)

    assert changed == 1
    assert len(callbacks) == 1
    assert _revision() == before + 1


def test_product_set_active_with_nothing_to_change_leaves_the_revision(django_capture_on_commit_callbacks):
    product = ProductFactory(is_active=True)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = product_set_active(product_ids=[product.pk], active=True)

    assert changed == 0
    assert callbacks == []
    assert _revision() == before


def _catalogue_with(count: int) -> None:
    category = CategoryFactory()
    for index in range(count):
        product = ProductFactory(category=category)
        VariantFactory(product=product, price=Decimal("10.00"), stock=index % 7)
        VariantFactory(product=product, price=Decimal("12.50"), stock=2)
        ProductImage.objects.create(
            product=product,
            image=f"products/{product.pk}/p.jpg",
            width=10,
            height=10,
            thumbnail_small=f"thumbnails/p{product.pk}-small.jpg",
        )


@pytest.mark.parametrize("count", [5, 50])
def test_the_change_list_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, count):
    _catalogue_with(count)

    # Session, user and its two-factor device, then the page's own queries.
    with django_assert_max_num_queries(7):
        response = staff_client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert response.content.decode().count('src="/media/thumbnails/p') == count


def test_the_change_list_shows_a_product_without_variants_or_photos(staff_client):
    ProductFactory(name="Bare")

    response = staff_client.get(CHANGELIST_URL)

    [row] = response.context["cl"].result_list
    assert (row.min_price, row.total_stock, row.first_thumbnail) == (None, 0, None)


def test_saving_a_product_makes_the_thumbnails_an_image_lacks(staff_client):
    variant = VariantFactory(sku="BARE-1")
    product = variant.product
    image = ProductImage(product=product)
    image.image.save("bare.jpg", ContentFile(image_bytes(size=(900, 600))), save=True)
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": str(product.category_id),
        "is_active": "on",
    }
    data.update(_inline("variants", [_variant_row(id=variant.pk, sku="BARE-1")], initial=1))
    data.update(_inline("images", [{"id": image.pk, "alt_text": "", "position": 0}], initial=1))
    data.update(_inline("recommendation_overrides", []))

    response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    image.refresh_from_db()
    assert _stored_size(image.thumbnail_small) == (400, 267)
    assert _stored_size(image.thumbnail_large) == (900, 600)


@pytest.mark.parametrize(
    "url",
    [
        ADD_URL,
        CHANGELIST_URL,
        reverse("admin:catalog_category_changelist"),
        reverse("admin:catalog_category_add"),
    ],
)
def test_the_catalogue_admin_pages_render_in_chinese(staff_client, url):
    VariantFactory(options={"Size": "M"})

    response = staff_client.get(
        url, {"stock": "low"} if url == CHANGELIST_URL else {}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


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


def test_the_change_list_counts_per_filter_choice(staff_client):
    _product_with_stock("Low", 3)
    _product_with_stock("Sold out", 0)

    response = staff_client.get(CHANGELIST_URL, {"_facets": "True", "q": "o"})

    assert response.status_code == 200
    assert "Low or out of stock (2)" in response.content.decode()
