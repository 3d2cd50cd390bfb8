"""Also bought: what to recommend next to a product or a cart.

"Customers who bought this also bought" for a product or a cart, with staff
pins and hides, falling back to bestsellers of the same categories.
Visibility and stock are checked as the rows are read, so nothing hidden or
sold out is ever recommended. The tables read here are rebuilt nightly by
``catalog.recommendations_build``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product, ProductPopularity, ProductRecommendation, RecommendationOverride
from catalog.selectors import product_list

# Category bestsellers considered per recommendation shown (some may be sold out).
CATEGORY_DEPTH = 4


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
    # The categories' best sellers, never a sort of a whole category: those that sold, walked down
    # the units-sold index, and the newest products, walked down the newest index, for categories
    # where fewer sold than are shown (the newest of those that never sold are among them).
    categories = Product.objects.filter(pk__in=ids).values("category_id")
    depth = limit * CATEGORY_DEPTH
    sold = (
        ProductPopularity.objects.filter(product__is_active=True, product__category_id__in=categories)
        .order_by("-units_sold", "-product__created_at", "-product_id")
        .values_list("product_id")[:depth]
    )
    newest = (
        # Listed and in stock, as what is shown must be: the filter of the in-stock listing index.
        Product.objects.filter(is_active=True, listed_price__isnull=False, in_stock=True)
        .filter(category_id__in=categories)
        .order_by("-created_at", "-id")
        .values_list("pk")[:depth]
    )
    # A few dozen candidates first (a UNION the planner sizes right), so stock and
    # visibility are checked for those rows only, not for the whole catalogue.
    candidates = pairs.values_list("recommended_id").union(pins.values_list("recommended_id"), sold, newest)
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
