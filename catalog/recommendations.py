"""Also bought: what to recommend next to a product or a cart, and the tables that feed it.

- Reads: "customers who bought this also bought" for a product or a cart,
  with staff pins and hides, falling back to bestsellers of the same
  categories. Visibility and stock are checked as the rows are read, so
  nothing hidden or sold out is ever recommended.
- The precomputed tables: orders counts co-purchases in paid orders and hands
  the rows to ``product_recommendations_replace`` (catalog knows no orders).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product, ProductPopularity, ProductRecommendation, RecommendationOverride
from catalog.selectors import product_list
from catalog.services import catalog_mark_changed

# Category bestsellers considered per recommendation shown (some may be sold out).
CATEGORY_DEPTH = 4


# Reads ------------------------------------------------------------------------------------------


def product_list_recommended(
    *, product_ids: Collection[int], category_ids: Collection[int], limit: int, at: datetime | None = None
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
    ``None`` for a product that is only a category bestseller), priced as at ``at``.
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
        product_list(category_ids=category_ids, at=at)
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
