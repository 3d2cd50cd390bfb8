"""Stock: the one place that takes units of variants and puts them back.

Stock lives on ``Variant.stock``. Staff set it through the admin (a model
save, which the catalogue's signals see); every other movement goes through
this module: orders takes stock when an order is placed and returns it when
one is cancelled. Both run inside the caller's transaction, so the stock
moves exactly when the caller's change commits, and both write rows in
ascending variant id order: the row locks an UPDATE holds until commit are
then taken in the same order by every checkout and cancellation, so
concurrent ones queue instead of deadlocking. ``QuerySet.update`` bypasses
the catalogue's signals, so the catalogue revision bump and the back-in-stock
notices are done here.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError

from catalog.back_in_stock import back_in_stock_requests_notify
from catalog.exceptions import InsufficientStock
from catalog.models import LOW_STOCK_THRESHOLD, Variant
from catalog.services import catalog_mark_changed


def _check_arguments(*, service: str, quantities: Mapping[int, int]) -> None:
    # Outside a transaction each UPDATE would commit on its own, and a later
    # failure would leave the earlier rows changed: refuse before writing.
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(f"{service} must run inside the caller's transaction.")
    if any(quantity < 1 for quantity in quantities.values()):
        raise ValueError(f"{service} moves at least one unit of each variant: {dict(quantities)!r}")


def _available(*, variant_id: int) -> int:
    row = Variant.objects.filter(pk=variant_id).values("stock", "is_active", "product__is_active").first()
    return row["stock"] if row and row["is_active"] and row["product__is_active"] else 0


def stock_take(*, quantities: Mapping[int, int]) -> dict[int, Variant]:
    """Take ``quantities`` (units by variant id) of variants for sale, all or none; return the variants.

    Must run inside the caller's transaction (raises TransactionManagementError
    otherwise): on a failure some rows may already be updated, and the
    caller's rollback undoes them. Each variant is taken with one conditional
    UPDATE (active, with enough stock) in ascending id order, the lock order
    every stock movement uses. Raises InsufficientStock for the first variant,
    by id, that is short, inactive or deleted, else for the first whose product
    is inactive (checked after the updates, on the locked rows); its
    ``available`` says how many units are for sale. Raises ValueError for a
    quantity below 1. Returns the variants as they are after the take, with
    their product, keyed by id (one query after the updates). When a variant
    is left with LOW_STOCK_THRESHOLD units or fewer, bumps the catalogue
    revision after commit, so cached pages show "only N left" or "sold out".
    """
    _check_arguments(service="stock_take", quantities=quantities)
    variant_ids = sorted(quantities)
    for variant_id in variant_ids:
        taken = Variant.objects.filter(
            pk=variant_id, is_active=True, stock__gte=quantities[variant_id]
        ).update(stock=F("stock") - quantities[variant_id])
        if not taken:
            raise InsufficientStock(variant_id=variant_id, available=_available(variant_id=variant_id))

    # The rows are locked by our updates now: this read sees them as they will commit.
    variants = Variant.objects.select_related("product").in_bulk(variant_ids)
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
    commits. Adds with F() in ascending variant id order, the lock order every
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
    for variant_id in variant_ids:
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    catalog_mark_changed()
    back_in_stock_requests_notify(variant_ids=variant_ids)
