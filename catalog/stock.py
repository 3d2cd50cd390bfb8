"""Stock: the one place that takes units of variants and puts them back.

Stock lives on ``Variant.stock``. Staff set it through the admin (a model
save, which the catalogue's signals see); every other movement goes through
this module: orders takes stock when an order is placed and returns it when
one is cancelled. Both run inside the caller's transaction, so the stock
moves exactly when the caller's change commits. Both lock the variants'
products first (ascending id, one statement), then write the variants in
ascending id order: a variant whose stock crosses zero makes the listing
trigger rewrite its product, and with the product already held that is no new
lock. Every checkout, cancellation and staff save so takes products before
variants, each in ascending id, and concurrent ones queue instead of
deadlocking. ``QuerySet.update`` bypasses
the catalogue's signals, so the catalogue revision bump and the back-in-stock
notices are done here.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError

from catalog.back_in_stock import back_in_stock_requests_notify
from catalog.exceptions import InsufficientStock
from catalog.models import LOW_STOCK_THRESHOLD, Product, Variant
from catalog.services import catalog_mark_changed


def _check_arguments(*, service: str, quantities: Mapping[int, int]) -> None:
    # Outside a transaction each UPDATE would commit on its own, and a later
    # failure would leave the earlier rows changed: refuse before writing.
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(f"{service} must run inside the caller's transaction.")
    if any(quantity < 1 for quantity in quantities.values()):
        raise ValueError(f"{service} moves at least one unit of each variant: {dict(quantities)!r}")


def _products_lock(*, variant_ids: list[int]) -> dict[int, Product]:
    # The listing trigger locks a product when one of its variants crosses zero, after that
    # variant's row: taken here first, two checkouts sharing a product (or a checkout and a
    # staff save, which writes the product before its variants) cannot hold each other's rows.
    # The rows come back (without the wide text columns) for the caller's snapshot.
    locked = (
        Product.objects.filter(pk__in=Variant.objects.filter(pk__in=variant_ids).values("product_id"))
        .order_by("pk")
        .select_for_update(no_key=True)
        .defer("description", "search_vector")
    )
    return {product.pk: product for product in locked}


def _variant_take(*, variant_id: int, quantity: int) -> Variant | None:
    # The conditional update, returning the row as it will commit (QuerySet.update returns
    # only a count, and reading the rows again would cost a query per checkout).
    table = f'"{Variant._meta.db_table}"'
    taken = list(
        Variant.objects.raw(
            f'UPDATE {table} SET "stock" = {table}."stock" - %s'
            f' WHERE {table}."id" = %s AND {table}."is_active" AND {table}."stock" >= %s RETURNING *',
            [quantity, variant_id, quantity],
        )
    )
    return taken[0] if taken else None


def _available(*, variant_id: int) -> int:
    row = Variant.objects.filter(pk=variant_id).values("stock", "is_active", "product__is_active").first()
    return row["stock"] if row and row["is_active"] and row["product__is_active"] else 0


def stock_take(*, quantities: Mapping[int, int]) -> dict[int, Variant]:
    """Take ``quantities`` (units by variant id) of variants for sale, all or none; return the variants.

    Must run inside the caller's transaction (raises TransactionManagementError
    otherwise): on a failure some rows may already be updated, and the
    caller's rollback undoes them. Locks the variants' products first (one
    query, ascending id), then takes each variant with one conditional UPDATE
    (active, with enough stock) in ascending id order: products, then
    variants, the lock order every stock movement uses. Raises InsufficientStock for the first variant,
    by id, that is short, inactive or deleted, else for the first whose product
    is inactive (checked after the updates, on the locked rows); its
    ``available`` says how many units are for sale. Raises ValueError for a
    quantity below 1. Returns the variants as they are after the take, with
    their product, keyed by id (read by the lock and the updates, no query more). When a variant
    is left with LOW_STOCK_THRESHOLD units or fewer, bumps the catalogue
    revision after commit, so cached pages show "only N left" or "sold out".
    """
    _check_arguments(service="stock_take", quantities=quantities)
    variant_ids = sorted(quantities)
    products = _products_lock(variant_ids=variant_ids)
    variants: dict[int, Variant] = {}
    for variant_id in variant_ids:
        variant = _variant_take(variant_id=variant_id, quantity=quantities[variant_id])
        if variant is None:
            raise InsufficientStock(variant_id=variant_id, available=_available(variant_id=variant_id))
        if variant.product_id not in products:
            # Moved to another product since the lock: locking that one now would break the lock
            # order, so this attempt stops and rolls back; the next one locks the right product.
            raise InsufficientStock(variant_id=variant_id, available=0)
        # Both rows are locked now: they are read as they will commit.
        variant.product = products[variant.product_id]
        variants[variant_id] = variant
    for variant_id in variant_ids:
        if not variants[variant_id].product.is_active:
            raise InsufficientStock(variant_id=variant_id, available=0)
    if any(variant.stock <= LOW_STOCK_THRESHOLD for variant in variants.values()):
        catalog_mark_changed()
    return variants


def stock_return(*, quantities: Mapping[int, int]) -> None:
    """Put ``quantities`` (units by variant id) back in stock, for example a cancelled order's.

    Must run inside the caller's transaction (raises TransactionManagementError
    otherwise), so the units come back exactly when the caller's change
    commits. Locks the variants' products first (one query, ascending id),
    then adds with F() in ascending variant id order, the lock order every
    stock movement uses; variants deleted meanwhile are skipped. Raises
    ValueError for a quantity below 1, before writing anything. Bumps the
    catalogue revision after commit, and marks the shoppers waiting for these
    variants notified and enqueues their back-in-stock emails in the caller's
    transaction.
    """
    _check_arguments(service="stock_return", quantities=quantities)
    if not quantities:
        return
    variant_ids = sorted(quantities)
    _products_lock(variant_ids=variant_ids)
    for variant_id in variant_ids:
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    catalog_mark_changed()
    back_in_stock_requests_notify(variant_ids=variant_ids)
