"""Bestsellers: the products that sold most lately, for the home page.

How well a product sells comes from ``ProductPopularity``, which orders fills
through ``catalog.recommendations_build.product_recommendations_rebuild``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import QuerySet

from catalog.models import Product
from catalog.selectors import product_list


def product_list_bestsellers(
    *,
    category_ids: Collection[int],
    limit: int,
    exclude_ids: Collection[int] = (),
    at: datetime | None = None,
) -> QuerySet[Product]:
    """Visible products in stock that sold lately, most units first (one query, card annotations).

    ``exclude_ids`` leaves out products shown elsewhere on the same page.
    """
    return (
        product_list(category_ids=category_ids, at=at)
        .filter(in_stock=True, popularity__units_sold__gt=0)
        .exclude(pk__in=list(exclude_ids))
        .order_by("-popularity__units_sold", "-id")[:limit]
    )
