"""Helpers for the product admin tests: form data to post, the errors and thumbnails that come back."""

from io import BytesIO

from django.urls import reverse
from PIL import Image

from catalog.models import Product, Variant

ADD_URL = reverse("admin:catalog_product_add")
CHANGELIST_URL = reverse("admin:catalog_product_changelist")


def inline_rows(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """Management form and rows of one admin inline, as the browser posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def variant_row(**fields) -> dict:
    """One row of the variants inline: a valid variant, with the given fields changed."""
    return {
        "sku": "SHIRT-M",
        "options": "",
        "price": "199.00",
        "stock": "10",
        "is_active": "on",
        "position": "0",
    } | {name: str(value) for name, value in fields.items()}


def product_data(*, category, variants: list[dict], images: list[dict] = (), **fields) -> dict:
    """The add form for a new product with these variant and photo rows."""
    data = {
        "name": "Linen Shirt",
        "slug": "linen-shirt",
        "category": str(category.pk),
        "description": "Cool in summer.",
        "is_active": "on",
        **fields,
    }
    data.update(inline_rows("variants", variants))
    data.update(inline_rows("images", list(images)))
    data.update(inline_rows("recommendation_overrides", []))  # the pins and hides inline, left empty
    return data


def product_change_data(
    product: Product, *, variant: Variant | None = None, images: list[dict] = (), overrides: list[dict] = ()
) -> dict:
    """The change form of a product with one variant, posted back as stored.

    ``images`` are photo rows (a row with an ``id`` is an existing photo); ``overrides`` are pin
    and hide rows, all new.
    """
    variant = variant if variant is not None else product.variants.get()
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": str(product.category_id),
        "description": product.description,
        "is_active": "on",
    }
    existing_photos = sum("id" in row for row in images)
    data.update(
        inline_rows(
            "variants",
            [variant_row(id=variant.pk, sku=variant.sku, price=variant.price, stock=variant.stock)],
            initial=1,
        )
    )
    data.update(inline_rows("images", list(images), initial=existing_photos))
    data.update(inline_rows("recommendation_overrides", list(overrides)))
    return data


def admin_errors(response) -> list[str]:
    """Every error message on an admin add or change page, forms and inlines alike."""
    # The admin's error list mixes whole ErrorLists (forms) with single messages (formsets).
    messages = []
    for item in response.context["errors"]:
        messages.extend([str(item)] if isinstance(item, str) else [str(message) for message in item])
    return messages


def stored_size(field_file) -> tuple[int, int]:
    """Width and height of a stored image file."""
    with field_file.open("rb") as opened, Image.open(BytesIO(opened.read())) as image:
        return image.size
