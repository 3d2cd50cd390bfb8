"""Write paths of the catalogue."""

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.images import image_validate, thumbnails_make
from catalog.models import CatalogRevision, CatalogScheduledChange, Product, ProductImage
from catalog.revision import revision_forget

CATALOG_REVISION_PK = 1
SCHEDULE_SOURCE_MAX_LENGTH = CatalogScheduledChange._meta.get_field("source").max_length


def _catalog_revision_bump() -> None:
    CatalogRevision.objects.filter(pk=CATALOG_REVISION_PK).update(number=F("number") + 1)
    # Other processes hear of it from the database; this one need not wait.
    revision_forget()


def catalog_mark_changed() -> None:
    """Invalidate every cached catalogue page once the current transaction commits.

    Bumping after commit, in its own statement, means no checkout or admin
    transaction ever waits on the revision row, and no reader can cache old
    data under the new revision.
    """
    transaction.on_commit(_catalog_revision_bump)


# --- Scheduled changes: pages that change at a set time without a save ----------------------------
# See docs/architecture.md, "Page caching and invalidation". The database's clock decides what has
# passed (statement_timestamp(), not now(): that is the start of the transaction), the same clock the
# revision query reads, so every process agrees on the instant a moment passes.

_SCHEDULE_TABLE = connection.ops.quote_name(CatalogScheduledChange._meta.db_table)
_REVISION_TABLE = connection.ops.quote_name(CatalogRevision._meta.db_table)

# Moments of one source: future rows no longer wanted go, wanted ones not there yet come, rows
# in both stay. Passed rows are left for the fold, so that while the revision stays the same the
# number of passed moments only ever grows (a smaller count would bring back an older key).
# Wanted moments are those after the transaction began, not after this statement: one that
# passed since a variant trigger stored the listing price earlier in the transaction is kept as
# a passed row, so the fold reprices it instead of nobody ever doing so.
# Inserting only what is missing means the DELETE and the INSERT, which see one snapshot and
# run in no fixed order, never touch the same row.
_SCHEDULE_SET_SQL = f"""
WITH wanted AS (
    SELECT DISTINCT moment FROM unnest(%(moments)s::timestamptz[]) AS moment
    WHERE moment > transaction_timestamp()
), gone AS (
    DELETE FROM {_SCHEDULE_TABLE}
    WHERE source = %(source)s AND at > statement_timestamp() AND at NOT IN (SELECT moment FROM wanted)
    RETURNING 1
)
INSERT INTO {_SCHEDULE_TABLE} (at, source)
SELECT moment, %(source)s FROM wanted
WHERE NOT EXISTS (SELECT 1 FROM {_SCHEDULE_TABLE} WHERE source = %(source)s AND at = wanted.moment)
ON CONFLICT (source, at) DO NOTHING
"""

# Passed moments are deleted and the revision bumped in one statement, so no reader ever sees
# the rows gone without the new number. Of concurrent folds, the first deletes the rows; the
# others wait for its commit, then find nothing to delete and bump nothing. The same statement
# reprices the stored listing price of the products whose variants' sales started or ended
# (migration 0010), so listings sort and filter on the prices of the new revision.
_SCHEDULE_FOLD_SQL = f"""
WITH passed AS (
    DELETE FROM {_SCHEDULE_TABLE} WHERE at <= statement_timestamp() RETURNING source
), sale_variants AS (
    SELECT DISTINCT CASE WHEN source ~ '^catalog\\.variant:[0-9]{{1,18}}$'
                         THEN substr(source, 17)::bigint END AS id
    FROM passed
), repriced AS (
    UPDATE catalog_product p SET listed_price = l.price, in_stock = l.in_stock
    FROM (SELECT DISTINCT v.product_id FROM catalog_variant v JOIN sale_variants s ON s.id = v.id) c,
         LATERAL catalog_product_listing(c.product_id, statement_timestamp()) l
    WHERE p.id = c.product_id
      AND (p.listed_price IS DISTINCT FROM l.price OR p.in_stock IS DISTINCT FROM l.in_stock)
), bumped AS (
    UPDATE {_REVISION_TABLE} SET number = number + 1
    WHERE id = %(pk)s AND EXISTS (SELECT 1 FROM passed)
    RETURNING number
)
SELECT number, statement_timestamp(),
       (SELECT min(at) FROM {_SCHEDULE_TABLE} WHERE at > statement_timestamp())
FROM bumped
"""


def catalog_schedule_set(*, source: str, moments: Iterable[datetime]) -> None:
    """Replace the moments at which ``source`` changes what catalogue pages show.

    For a higher app whose prices or texts on catalogue pages start or end at
    set times (a promotion): call it whenever those times are saved, with all
    of the source's moments (an empty list when it has none left), in the
    transaction that saves them. ``source`` is a stable label of at most 100
    characters naming one thing that changes (``"promotions.campaign:12"``);
    the catalogue uses ``"catalog.variant:<id>"`` for sale prices. At each
    moment every cached catalogue page of every process is rebuilt, without
    a save or a job. Moments are aware datetimes; those before the caller's
    transaction began (by the database's clock) are ignored, so the caller's
    own change must still bump the revision (``catalog_mark_changed``) when it
    shows at once. Moments that passed during the transaction are kept, as
    passed rows the next fold applies: a variant's stored listing price was
    computed by its trigger earlier in the transaction, and a sale boundary
    since then is repriced by that fold. Only future moments of the source
    are removed; passed ones wait for the fold. Runs
    inside the caller's transaction, if any; takes no lock beyond the rows it
    writes. Concurrent calls for one source may leave the union of both lists,
    which costs one more cache turnover, never a missed change. Raises
    ValueError for an empty or too long ``source`` or a naive datetime.
    """
    if not source or len(source) > SCHEDULE_SOURCE_MAX_LENGTH:
        raise ValueError(f"A schedule source is 1 to {SCHEDULE_SOURCE_MAX_LENGTH} characters: {source!r}")
    moments = list(moments)
    if any(timezone.is_naive(moment) for moment in moments):
        raise ValueError("Scheduled moments must be aware datetimes.")
    with connection.cursor() as cursor:
        cursor.execute(_SCHEDULE_SET_SQL, {"source": source, "moments": moments})
    transaction.on_commit(revision_forget)


def catalog_schedule_fold() -> tuple[int, datetime, datetime | None] | None:
    """Fold the scheduled moments that have passed into the catalogue revision.

    Deletes the passed rows and bumps the revision in one statement and
    returns ``(revision, moment, next_change)`` as at that statement (the
    database's clock); None when there was nothing to fold (another process
    folded them first). Concurrency-safe across processes: each passed
    moment bumps the revision once. Must not run inside a transaction (raises
    TransactionManagementError): the revision row would stay locked until
    that transaction ends.
    """
    if connection.in_atomic_block:
        raise transaction.TransactionManagementError("catalog_schedule_fold must not run in a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_SCHEDULE_FOLD_SQL, {"pk": CATALOG_REVISION_PK})
        row = cursor.fetchone()
    revision_forget()
    return (row[0], row[1], row[2]) if row else None


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
