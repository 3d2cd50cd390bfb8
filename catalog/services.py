"""Write paths of the catalogue."""

from collections.abc import Iterable
from functools import partial
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.images import image_validate, thumbnails_make
from catalog.models import CatalogRevision, Product, ProductImage

CATALOG_REVISION_PK = 1


def _catalog_revision_bump() -> None:
    CatalogRevision.objects.filter(pk=CATALOG_REVISION_PK).update(number=F("number") + 1)


def catalog_mark_changed() -> None:
    """Invalidate every cached catalogue page once the current transaction commits.

    Bumping after commit, in its own statement, means no checkout or admin
    transaction ever waits on the revision row, and no reader can cache old
    data under the new revision.
    """
    transaction.on_commit(_catalog_revision_bump)


# --- Staff write paths: product activation and product images -------------------------------------


@transaction.atomic(durable=True)
def product_set_active(*, product_ids: Iterable[int], active: bool) -> int:
    """Activate or deactivate products in one statement; return how many rows changed.

    Products already in the wanted state are left untouched (and not counted).
    ``QuerySet.update`` skips signals, so the catalogue revision is bumped here.
    """
    changed = (
        Product.objects.filter(pk__in=list(product_ids))
        .exclude(is_active=active)
        .update(is_active=active, updated_at=timezone.now())
    )
    if changed:
        catalog_mark_changed()
    return changed


def _storage_delete_on_commit(storage: Storage, names: Iterable[str]) -> None:
    # Files are not transactional: deleting only after commit means a rolled
    # back change never leaves rows pointing at missing files.
    for name in names:
        if name:
            transaction.on_commit(partial(storage.delete, name))


def product_image_make_thumbnails(*, image: ProductImage) -> None:
    """Make and store the small and large thumbnails of a saved product image.

    Reads the original through its storage (any Django storage works), writes
    ``thumbnail_small`` (400x400 box) and ``thumbnail_large`` (1000x1000 box)
    and saves those two fields. Thumbnails it replaces are deleted from storage
    after commit. Runs inside the caller's transaction if there is one; call it
    once when an image is added or replaced, never while serving a page.
    Raises ``ValidationError`` if the stored original is not an acceptable image.
    """
    with image.image.open("rb") as original:
        data = original.read()
    thumbnails = thumbnails_make(data=data, name=image.image.name)
    replaced = [image.thumbnail_small.name, image.thumbnail_large.name]
    image.thumbnail_small.save(thumbnails.small.name, thumbnails.small, save=False)
    image.thumbnail_large.save(thumbnails.large.name, thumbnails.large, save=False)
    image.save(update_fields=["thumbnail_small", "thumbnail_large"])
    _storage_delete_on_commit(image.thumbnail_small.storage, replaced)


def product_image_create(
    *, product: Product, data: bytes, filename: str, alt_text: str = "", position: int = 0
) -> ProductImage:
    """Store a product photo from raw bytes, with both thumbnails; return the new image.

    For code that adds photos outside the admin (demo data, imports). The bytes
    are validated like an upload (``catalog.images.image_validate``); raises
    ``ValidationError`` and writes nothing if they are refused.
    """
    image_validate(BytesIO(data))
    with transaction.atomic():
        image = ProductImage(product=product, alt_text=alt_text, position=position)
        image.image.save(filename, ContentFile(data), save=False)
        image.save()
        product_image_make_thumbnails(image=image)
    return image


def product_image_discard_files(*, image: ProductImage, names: Iterable[str] = ()) -> None:
    """Delete files of a deleted or replaced image from storage once the transaction commits.

    With no ``names``, deletes the image's current original and thumbnails
    (for a deleted image); otherwise only the given storage names (for the
    files an image replaced).
    """
    if not names:
        names = [image.image.name, image.thumbnail_small.name, image.thumbnail_large.name]
    _storage_delete_on_commit(image.image.storage, names)
