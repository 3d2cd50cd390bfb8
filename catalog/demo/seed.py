"""Write the demo catalogue: categories, products, variants and pictures, in bulk."""

import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import sql

from catalog.demo.bulk import secondary_indexes_deferred
from catalog.demo.data import TREE, ProductSpec, product_spec
from catalog.demo.pictures import PICTURE_SIZE, PictureJob, picture_files_make
from catalog.images import THUMBNAIL_EXTENSION
from catalog.models import Category, Product, ProductImage, Variant
from catalog.services import catalog_mark_changed

DEFAULT_PRODUCTS = 120
MAX_PRODUCTS = 1_000_000
# Products are generated, inserted and pictured this many at a time, so memory stays flat
# whatever the count.
_SEED_BATCH = 5000
# Products up to this number get a picture of their own. Above it, a product's picture is one
# of a few scenes with its own initials and category colour, drawn once per worker process and
# hard-linked to each product's own file names (on local storage): drawing and writing a
# million distinct pictures would take most of an hour and 37 GB.
DISTINCT_PICTURES = 20_000
SHARED_SCENES = 4
# Below this many pictures, starting worker processes costs more than it saves.
_POOL_THRESHOLD = 200
# From this many products into an empty catalogue, the product table's secondary indexes are
# dropped for the load and built once at its end (a million products: 10 min 22 s before, 7 min 52 s).
BULK_LOAD_MIN = 50_000
# Arbitrary, fixed: the advisory lock that lets one seed run at a time.
_LOCK_KEY = 7_220_417_301

PictureJobFor = tuple[int, PictureJob]  # (product id, what to draw)
StoredPicture = tuple[int, dict[str, str]]  # (product id, storage name by ProductImage field)


@dataclass(frozen=True)
class DemoSeedResult:
    """What one run of ``demo_catalog_seed`` did."""

    skipped: bool
    products: int = 0
    categories_created: int = 0
    products_created: int = 0
    variants_created: int = 0
    images_created: int = 0
    seconds: float = 0.0


def demo_catalog_seed(
    *,
    products: int = DEFAULT_PRODUCTS,
    if_empty: bool = False,
    processes: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoSeedResult:
    """Make sure demo products 1..``products`` exist, with categories, variants and one picture each.

    Deterministic and idempotent: categories, products (by slug), variants (by
    SKU) and pictures (a product with any image keeps it) that exist are left
    alone, so a second run changes nothing. With ``if_empty``, does nothing
    when any product exists. One transaction: on failure no row is written
    (picture files already stored stay behind). Streams: products are built,
    inserted and pictured in batches, so memory stays flat up to MAX_PRODUCTS.
    Pictures are drawn by up to ``processes`` worker processes (default: one
    per CPU) while the rows go in. Bulk inserts bypass the catalogue signals,
    so this marks the catalogue changed itself. ``progress`` is called with
    the count of products done after each batch. Raises ``ValueError`` for a
    count outside 0..MAX_PRODUCTS.

    Into an empty catalogue, nothing the run adds can exist already, so the
    checks for existing rows are skipped; from BULK_LOAD_MIN products, the
    product table's secondary indexes are also built once after the rows
    instead of row by row. The product table is then locked against readers
    until the load commits: that is a new shop's first catalogue, which no
    page can show before it is whole anyway.
    """
    if not 0 <= products <= MAX_PRODUCTS:
        raise ValueError(f"products must be between 0 and {MAX_PRODUCTS}")
    started = time.monotonic()
    products_created = variants_created = images_created = 0
    if if_empty and Product.objects.exists():
        return DemoSeedResult(skipped=True, seconds=time.monotonic() - started)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A batch job, not a request: the shop's limits on waiting for a lock, on a statement
            # (the index builds of a big load) and on idling between statements (while the picture
            # workers draw) are for requests, not for this.
            cursor.execute("SET LOCAL lock_timeout = 0")
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            # One seed at a time: a second one waits here, then finds the first one's products.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        fresh = not Product.objects.exists()
        if if_empty and not fresh:
            return DemoSeedResult(skipped=True, seconds=time.monotonic() - started)
        categories, categories_created = _categories_ensure()
        bulk = fresh and products >= BULK_LOAD_MIN
        with (
            _picture_pool(products, max(1, processes or os.cpu_count() or 1)) as draw,
            secondary_indexes_deferred(Product) if bulk else nullcontext(),
        ):
            for first in range(1, products + 1, _SEED_BATCH):
                numbers = range(first, min(first + _SEED_BATCH, products + 1))
                specs = [product_spec(number=number) for number in numbers]
                product_ids = {} if fresh else _product_ids(specs)
                new_specs = [spec for spec in specs if spec.slug not in product_ids]
                new_ids = dict(
                    zip([spec.slug for spec in new_specs], _product_ids_reserve(len(new_specs)), strict=True)
                )
                product_ids.update(new_ids)
                # Workers draw and store this batch's pictures while this process inserts its rows.
                stored = draw(_picture_jobs(specs, product_ids, look=not fresh))
                variants_created += _variants_insert(new_specs, new_ids, look=not fresh)
                _products_insert(new_specs, new_ids, categories)
                images_created += _images_insert(
                    stored, {product_ids[spec.slug]: spec.name for spec in specs}
                )
                products_created += len(new_specs)
                if progress is not None:
                    progress(numbers[-1])
        if categories_created or products_created or variants_created or images_created:
            catalog_mark_changed()
    return DemoSeedResult(
        skipped=False,
        products=products,
        categories_created=categories_created,
        products_created=products_created,
        variants_created=variants_created,
        images_created=images_created,
        seconds=time.monotonic() - started,
    )


def _categories_ensure() -> tuple[dict[str, Category], int]:
    by_slug: dict[str, Category] = {}
    created = 0
    for top_position, top in enumerate(TREE):
        parent, was_created = Category.objects.get_or_create(
            slug=top.slug,
            defaults={"name": top.name, "description": top.description, "position": top_position},
        )
        created += was_created
        by_slug[top.slug] = parent
        for position, leaf in enumerate(top.leaves):
            by_slug[leaf.slug], was_created = Category.objects.get_or_create(
                slug=leaf.slug, defaults={"name": leaf.name, "parent": parent, "position": position}
            )
            created += was_created
    return by_slug, created


def _product_ids(specs: list[ProductSpec]) -> dict[str, int]:
    """Slug -> id of the demo products that exist already."""
    return dict(Product.objects.filter(slug__in=[spec.slug for spec in specs]).values_list("slug", "pk"))


def _product_ids_reserve(count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Product._meta.db_table, Product._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _variants_insert(new_specs: list[ProductSpec], new_ids: dict[str, int], *, look: bool) -> int:
    """Variants of the products this batch creates, inserted BEFORE those products.

    Django's PostgreSQL foreign keys are DEFERRABLE INITIALLY DEFERRED, so
    they are checked at commit. The variant triggers run once per statement and
    rewrite only products that exist, so here they find none and write nothing;
    the product's insert triggers then compute its search document (SKUs
    included) and its listing columns from the variants already there. Each
    product is written once, by its insert, instead of inserted and then
    rewritten by the variant triggers. A SKU that anything else already uses
    is skipped (when ``look``: without products, no variant exists).
    """
    wanted = [(new_ids[spec.slug], variant) for spec in new_specs for variant in spec.variants]
    taken = set()
    if look:
        taken = set(
            Variant.objects.filter(sku__in=[variant.sku for _, variant in wanted]).values_list(
                "sku", flat=True
            )
        )
    rows = [
        {
            "product": product_id,
            "sku": variant.sku,
            "options": json.dumps(variant.options),
            "price": variant.price,
            "stock": variant.stock,
            "weight_grams": variant.weight_grams,
            "position": variant.position,
        }
        for product_id, variant in wanted
        if variant.sku not in taken
    ]
    _copy_insert(Variant, rows)
    return len(rows)


def _products_insert(
    new_specs: list[ProductSpec], new_ids: dict[str, int], categories: dict[str, Category]
) -> None:
    _copy_insert(
        Product,
        [
            {
                "id": new_ids[spec.slug],
                "name": spec.name,
                "slug": spec.slug,
                "description": spec.description,
                "category": categories[spec.category_slug].pk,
                "is_active": spec.is_active,
                "is_featured": spec.is_featured,
            }
            for spec in new_specs
        ],
    )


def _copy_insert(model: type[models.Model], rows: list[dict[str, object]]) -> None:
    """Insert ``rows`` (field name -> value) with PostgreSQL's COPY, a tenth of bulk_create's cost here.

    Every other concrete field gets its model default, evaluated once (timestamps: now);
    fields the database fills (``db_default``, generated) are left to it. Row and
    statement triggers fire as for INSERT.
    """
    if not rows:
        return
    given = list(rows[0])
    now = timezone.now()
    defaults: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.name in given or field.attname in given or field.primary_key:
            continue
        if field.generated or field.db_default is not models.NOT_PROVIDED:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.column] = now
        else:
            defaults[field.column] = (
                field.get_db_prep_save(field.get_default(), connection) if field.has_default() else None
            )
    columns = [model._meta.get_field(name).column for name in given] + list(defaults)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    tail = tuple(defaults.values())
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row.values(), *tail))


def _picture_jobs(
    specs: list[ProductSpec], product_ids: dict[str, int], *, look: bool
) -> list[PictureJobFor]:
    """A picture for every demo product of the batch that has no image yet (all of them, unless ``look``)."""
    with_images = set()
    if look:
        with_images = set(
            ProductImage.objects.filter(product_id__in=list(product_ids.values())).values_list(
                "product_id", flat=True
            )
        )
    return [
        (product_ids[spec.slug], picture_job(spec))
        for spec in specs
        if product_ids[spec.slug] not in with_images
    ]


def picture_job(spec: ProductSpec) -> PictureJob:
    """What to draw for a product: its own scene up to DISTINCT_PICTURES, else a shared one."""
    scene = spec.number
    if scene > DISTINCT_PICTURES:
        scene = DISTINCT_PICTURES + 1 + (spec.number - 1) % SHARED_SCENES
    return PictureJob(scene, spec.initials, spec.hue, spec.slug)


@contextmanager
def _picture_pool(products: int, processes: int) -> Iterator:
    """Yield ``draw(jobs)``, an iterator of stored pictures; with a pool, the drawing starts at once."""
    if processes == 1 or products < _POOL_THRESHOLD:
        yield lambda jobs: map(_picture_store, jobs)
        return
    # fork: the workers inherit the configured settings and storage. They
    # draw and write files only and never use the inherited database
    # connection; the parent alone talks to the database.
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield lambda jobs: pool.imap(_picture_store, jobs, chunksize=25)


# In each process: the files first stored for a shared scene, to hard-link for the next product.
_shared_files: dict[PictureJob, dict[str, str]] = {}


def _picture_store(job: PictureJobFor) -> StoredPicture:
    """Draw one product's picture and thumbnails and save them through the fields' storages."""
    product_id, picture = job
    naming = ProductImage(product_id=product_id)  # upload_to reads the product id
    shared_key = PictureJob(picture.number, picture.initials, picture.hue, "")
    if picture.number > DISTINCT_PICTURES and shared_key in _shared_files:
        linked = _shared_files[shared_key]
        stem = picture.stem
        names = {
            "image": f"{stem}.jpg",
            "thumbnail_small": f"{stem}-small{THUMBNAIL_EXTENSION}",
            "thumbnail_large": f"{stem}-large{THUMBNAIL_EXTENSION}",
        }
        stored = {field: _file_link(field, naming, linked[field], names[field]) for field in names}
        if all(stored.values()):
            return product_id, stored
    files = picture_files_make(picture)

    def store(field_name: str, name: str, data: bytes) -> str:
        field = ProductImage._meta.get_field(field_name)
        return field.storage.save(field.generate_filename(naming, name), ContentFile(data))

    stored = {
        "image": store("image", files.original_name, files.original),
        "thumbnail_small": store("thumbnail_small", files.small_name, files.small),
        "thumbnail_large": store("thumbnail_large", files.large_name, files.large),
    }
    if picture.number > DISTINCT_PICTURES:
        _shared_files[shared_key] = stored
    return product_id, stored


def _file_link(field_name: str, naming: ProductImage, source: str, name: str) -> str:
    """Hard-link a stored file under a product's own name; "" where the storage cannot (then it is drawn)."""
    storage = ProductImage._meta.get_field(field_name).storage
    if not isinstance(storage, FileSystemStorage):
        return ""
    # The names are the product's own (its id, its unique slug): a file already there means an
    # earlier run's leftover, and then the link fails and the picture is drawn and saved instead.
    target = ProductImage._meta.get_field(field_name).generate_filename(naming, name)
    path = Path(storage.path(target))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(storage.path(source), path)
    except OSError:
        return ""
    return target


def _images_insert(stored: Iterable[StoredPicture], names: dict[int, str]) -> int:
    # Sizes given: Django would otherwise reopen each file to measure it.
    rows = [
        {
            "product": product_id,
            "width": PICTURE_SIZE,
            "height": PICTURE_SIZE,
            "alt_text": names[product_id][:200],
            "position": 0,
            **files,
        }
        for product_id, files in stored
    ]
    _copy_insert(ProductImage, rows)
    return len(rows)
