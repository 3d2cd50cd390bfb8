"""Recommendations and merchandising, the catalogue's side of them.

- Reads: "customers who bought this also bought" for a product or a cart,
  with staff pins and hides, falling back to bestsellers of the same
  categories; bestsellers for the home page. Visibility and stock are checked
  as the rows are read, so nothing hidden or sold out is ever recommended.
- The precomputed tables: orders counts co-purchases in paid orders and hands
  the rows to ``product_recommendations_replace`` (catalog knows no orders).
- Recently viewed: product ids kept in the shopper's session.
- Back in stock: a shopper's request for one email when a sold-out variant
  returns, the notification when stock comes back, and unsubscribing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.emails import UNSUBSCRIBE_SALT
from catalog.models import (
    BackInStockRequest,
    Product,
    ProductPopularity,
    ProductRecommendation,
    RecommendationOverride,
    Variant,
)
from catalog.selectors import product_list
from catalog.services import catalog_mark_changed
from catalog.tasks import send_back_in_stock_email
from shop.exceptions import ShopError

RECENTLY_VIEWED_SESSION_KEY = "recently_viewed"
RECENTLY_VIEWED_MAX = 12
# Anyone may type any address into the form: this caps the mail one address can be sent.
BACK_IN_STOCK_MAX_WAITING = 20
# Category bestsellers considered per recommendation shown (some may be sold out).
CATEGORY_DEPTH = 4
_MAX_PRODUCT_ID = 2**63 - 1


# Reads ------------------------------------------------------------------------------------------


def product_list_recommended(
    *, product_ids: Collection[int], category_ids: Collection[int], limit: int
) -> QuerySet[Product]:
    """What to show next to ``product_ids`` (a product page: one id; a cart: its products).

    In this order: products staff pinned for any of them (by pin position),
    then products bought together with them in paid orders (most shared
    orders first, ties as the precompute ranked them), then bestsellers of
    their categories (units sold lately, then newest; the best
    ``CATEGORY_DEPTH`` x ``limit`` of them are considered). Never one of
    ``product_ids``, nothing a staff hide names, nothing outside the visible
    ``category_ids``, inactive or sold out. One query, with ``product_list``'s
    card annotations plus ``pin_position`` and ``also_bought_score`` (both
    ``None`` for a product that is only a category bestseller).
    """
    ids = sorted({int(pk) for pk in product_ids})
    pins = RecommendationOverride.objects.filter(
        product_id__in=ids, action=RecommendationOverride.Action.PIN
    ).order_by()
    hides = RecommendationOverride.objects.filter(
        product_id__in=ids, action=RecommendationOverride.Action.HIDE, recommended=OuterRef("pk")
    )
    pairs = ProductRecommendation.objects.filter(product_id__in=ids).order_by()
    sellers = (
        Product.objects.filter(
            is_active=True, category_id__in=Product.objects.filter(pk__in=ids).values("category_id")
        )
        .annotate(units=Coalesce(F("popularity__units_sold"), 0))
        .order_by("-units", "-created_at", "-id")
        .values_list("pk")[: limit * CATEGORY_DEPTH]
    )
    # A few dozen candidates first (a UNION the planner sizes right), so stock and
    # visibility are checked for those rows only, not for the whole catalogue.
    candidates = pairs.values_list("recommended_id").union(pins.values_list("recommended_id"), sellers)
    mine = pairs.filter(recommended=OuterRef("pk")).values("recommended")
    return (
        product_list(category_ids=category_ids)
        .filter(pk__in=candidates, in_stock=True)
        .exclude(pk__in=ids)
        .exclude(Exists(hides))
        .annotate(
            pin_position=Subquery(
                pins.filter(recommended=OuterRef("pk")).order_by("position", "id").values("position")[:1]
            ),
            also_bought_score=Subquery(mine.annotate(total=Sum("score")).values("total")[:1]),
            also_bought_rank=Subquery(mine.order_by("rank").values("rank")[:1]),
            units_sold=Coalesce(F("popularity__units_sold"), 0),
        )
        .order_by(
            F("pin_position").asc(nulls_last=True),
            F("also_bought_score").desc(nulls_last=True),
            F("also_bought_rank").asc(nulls_last=True),
            "-units_sold",
            "-created_at",
            "-id",
        )[:limit]
    )


def product_list_bestsellers(*, category_ids: Collection[int], limit: int) -> QuerySet[Product]:
    """Visible products in stock that sold lately, most units first (one query, card annotations)."""
    return (
        product_list(category_ids=category_ids)
        .filter(in_stock=True, popularity__units_sold__gt=0)
        .order_by("-popularity__units_sold", "-id")[:limit]
    )


# The precomputed tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationsReplaced:
    """What ``product_recommendations_replace`` stored."""

    pairs: int
    products: int
    popular_products: int


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@transaction.atomic(durable=True)
def product_recommendations_replace(
    *,
    pairs: Sequence[tuple[int, int, int, int]],
    popularity: Sequence[tuple[int, int, int]],
) -> RecommendationsReplaced:
    """Swap both precomputed tables for fresh rows, in one transaction.

    ``pairs``: ``(product_id, recommended_id, rank, score)``, rank 1 the best
    per product. ``popularity``: ``(product_id, units_sold, order_count)``.
    Readers see the old rows until the commit, then the new ones. Rows naming
    a product deleted meanwhile are skipped. Bumps the catalogue revision, so
    cached pages show the new recommendations. Raises ``IntegrityError`` (and
    writes nothing) for rows that break the tables' constraints.
    """
    product = _table(Product)
    ProductRecommendation.objects.all().delete()
    ProductPopularity.objects.all().delete()
    with connection.cursor() as cursor:
        # One INSERT over arrays: a round trip for 100,000 rows instead of 100.
        cursor.execute(
            f"INSERT INTO {_table(ProductRecommendation)} (product_id, recommended_id, rank, score) "
            "SELECT t.p, t.r, t.k, t.s FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[]) "
            "AS t(p, r, k, s) "
            f"WHERE EXISTS (SELECT 1 FROM {product} WHERE id = t.p) "
            f"AND EXISTS (SELECT 1 FROM {product} WHERE id = t.r)",
            [list(column) for column in _columns(pairs, 4)],
        )
        stored_pairs = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {_table(ProductPopularity)} (product_id, units_sold, order_count) "
            "SELECT t.p, t.u, t.o FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS t(p, u, o) "
            f"WHERE EXISTS (SELECT 1 FROM {product} WHERE id = t.p)",
            [list(column) for column in _columns(popularity, 3)],
        )
        stored_popular = cursor.rowcount
    catalog_mark_changed()
    return RecommendationsReplaced(
        pairs=stored_pairs,
        products=ProductRecommendation.objects.values("product_id").distinct().count(),
        popular_products=stored_popular,
    )


def _columns(rows: Sequence[tuple], width: int) -> list[tuple]:
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]


# Recently viewed --------------------------------------------------------------------------------


def recently_viewed_ids(*, session: Mapping[str, Any]) -> list[int]:
    """Product ids the shopper viewed, latest first; anything malformed in the session is ignored."""
    raw = session.get(RECENTLY_VIEWED_SESSION_KEY)
    if not isinstance(raw, list):
        return []
    ids: list[int] = []
    for value in raw[:RECENTLY_VIEWED_MAX]:
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_PRODUCT_ID
        if valid and value not in ids:
            ids.append(value)
    return ids


def recently_viewed_record(*, session: MutableMapping[str, Any], product_id: int) -> None:
    """Put ``product_id`` first in the session's recently viewed list (at most RECENTLY_VIEWED_MAX).

    Leaves the session untouched when the product is already first, so
    reloading a page does not write the session again.
    """
    ids = recently_viewed_ids(session=session)
    if ids[:1] == [product_id] and session.get(RECENTLY_VIEWED_SESSION_KEY) == ids:
        return
    ids = [product_id, *(pk for pk in ids if pk != product_id)][:RECENTLY_VIEWED_MAX]
    # A new list (not a mutated one) marks the session modified.
    session[RECENTLY_VIEWED_SESSION_KEY] = ids


# Back in stock ----------------------------------------------------------------------------------


class BackInStockError(ShopError):
    """A back-in-stock request that cannot be taken."""


class VariantUnavailable(BackInStockError):
    """The variant is unknown or no longer sold."""


class VariantInStock(BackInStockError):
    """The variant can be bought right now: nothing to wait for."""


class TooManyWaiting(BackInStockError):
    """The address already waits for BACK_IN_STOCK_MAX_WAITING other variants."""


def back_in_stock_email_normalize(email: str) -> str:
    """One spelling per address, so the unique (variant, email) constraint sees duplicates."""
    return email.strip().lower()


@transaction.atomic(durable=True)
def back_in_stock_request_create(
    *, variant_id: int, email: str, user: AbstractBaseUser | None = None, language: str
) -> tuple[BackInStockRequest, bool]:
    """Ask for one email when a sold-out variant is back; returns the request and whether it is new.

    Locks the variant row and checks it is sold out under the lock, so a
    restock either comes after this request (and notifies it) or before (and
    this raises ``VariantInStock``). One request per variant and address (a
    unique constraint settles races): asking again returns the same request,
    waiting again if it had already been notified or unsubscribed. Raises
    ``VariantUnavailable`` for an unknown or withdrawn variant, and
    ``TooManyWaiting`` when the address already waits for
    BACK_IN_STOCK_MAX_WAITING other variants; on any error nothing is written.
    """
    variant = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk=variant_id)
        .first()
    )
    if variant is None or not variant.is_active or not variant.product.is_active:
        raise VariantUnavailable()
    if variant.stock > 0:
        raise VariantInStock()
    email = back_in_stock_email_normalize(email)
    waiting = BackInStockRequest.objects.filter(email=email, status=BackInStockRequest.Status.PENDING)
    if waiting.exclude(variant=variant).count() >= BACK_IN_STOCK_MAX_WAITING:
        raise TooManyWaiting()
    account = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            stock_request = BackInStockRequest.objects.create(
                variant=variant, email=email, user=account, language=language
            )
        return stock_request, True
    except IntegrityError:
        pass
    stock_request = BackInStockRequest.objects.select_for_update().get(variant=variant, email=email)
    stock_request.language = language
    stock_request.user = stock_request.user or account
    if stock_request.status != BackInStockRequest.Status.PENDING:
        stock_request.status = BackInStockRequest.Status.PENDING
        stock_request.notified_at = stock_request.sent_at = None
        stock_request.attempts = 0
        stock_request.last_error = ""
    stock_request.save()
    return stock_request, False


def back_in_stock_requests_notify(
    *, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()
) -> list[int]:
    """Queue the one email of every waiting request whose variant is for sale again.

    Call it whenever stock may have come back (a variant saved with stock,
    a product re-activated, an order's stock returned). Waiting requests exist
    only for variants that were sold out when asked, so a waiting request of a
    variant in stock means its stock went from 0 to more. Each request is
    marked notified and its email enqueued in the caller's transaction (T4),
    exactly once: rows are locked (SKIP LOCKED, so a concurrent call takes the
    others) and only waiting ones are taken. Costs one query when nobody waits.
    Returns the ids of the requests notified.
    """
    scope = Q(variant_id__in=list(variant_ids)) | Q(variant__product_id__in=list(product_ids))
    # Inside the caller's transaction when there is one (no savepoint needed), else in its own.
    with transaction.atomic(savepoint=False):
        ids = list(
            BackInStockRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                scope,
                status=BackInStockRequest.Status.PENDING,
                variant__stock__gt=0,
                variant__is_active=True,
                variant__product__is_active=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        BackInStockRequest.objects.filter(pk__in=ids).update(
            status=BackInStockRequest.Status.NOTIFIED, notified_at=timezone.now()
        )
        for request_id in ids:
            send_back_in_stock_email.enqueue(request_id=request_id)
    return ids


def back_in_stock_request_get(*, token: str) -> BackInStockRequest | None:
    """The request an unsubscribe token was made for; ``None`` for a forged, mangled or stale token."""
    try:
        request_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return None
    return BackInStockRequest.objects.select_related("variant__product").filter(pk=request_id).first()


@transaction.atomic(durable=True)
def back_in_stock_unsubscribe(*, stock_request: BackInStockRequest) -> int:
    """Stop every waiting back-in-stock request of this request's address; returns how many.

    Idempotent: a second call finds nothing waiting and returns 0. Asking again
    on a product page later is a new, explicit wish and waits again.
    """
    return BackInStockRequest.objects.filter(
        email=stock_request.email, status=BackInStockRequest.Status.PENDING
    ).update(status=BackInStockRequest.Status.UNSUBSCRIBED)
