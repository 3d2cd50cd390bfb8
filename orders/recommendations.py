"""Recommendations computed from orders: what is bought together, and what sells.

Only orders knows about orders, so the counting is written here, in SQL, over
paid orders that were not cancelled; catalog runs the two queries straight into
fresh tables through ``catalog.recommendations_build.product_recommendations_rebuild``,
which swaps them in at its end and bumps the catalogue revision. No row passes
through Python, so memory stays flat whatever the number of orders. Run nightly by
``manage.py compute_recommendations`` (cron), and after ``seed_demo_orders``.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from catalog.models import Variant
from catalog.recommendations_build import RowsQuery, product_recommendations_rebuild
from orders.models import Order, OrderLine

DEFAULT_TOP = 12
DEFAULT_BESTSELLER_DAYS = 90
DEFAULT_MIN_ORDERS = 1


def _sql(template: str) -> str:
    quote = connection.ops.quote_name
    return template.format(
        line=quote(OrderLine._meta.db_table),
        order=quote(Order._meta.db_table),
        variant=quote(Variant._meta.db_table),
    )


# Products of each paid order (a product once per order, whichever variants and
# quantities), paired with every other product of the same order; pairs counted
# in how many orders they share, and the best ``top`` kept per product by a window
# function. Ties: the more widely bought product first, then the lower id, so
# the same orders always give the same ranking.
_PAIRS_SQL = """
WITH bought AS MATERIALIZED (
    SELECT DISTINCT line.order_id, variant.product_id
    FROM {line} line
    JOIN {order} o ON o.id = line.order_id
    JOIN {variant} variant ON variant.id = line.variant_id
    WHERE o.payment_status = %(paid)s AND o.cancelled_at IS NULL
),
reach AS (
    SELECT product_id, COUNT(*) AS orders FROM bought GROUP BY product_id
),
-- Each pair counted once (the lower id first), then turned both ways: half the rows to group.
half AS (
    SELECT a.product_id AS low, b.product_id AS high, COUNT(*) AS score
    FROM bought a
    JOIN bought b ON b.order_id = a.order_id AND b.product_id > a.product_id
    GROUP BY a.product_id, b.product_id
    HAVING COUNT(*) >= %(min_orders)s
),
pairs AS (
    SELECT low AS product_id, high AS recommended_id, score FROM half
    UNION ALL
    SELECT high, low, score FROM half
),
ranked AS (
    SELECT pairs.product_id, pairs.recommended_id, pairs.score,
           ROW_NUMBER() OVER (
               PARTITION BY pairs.product_id
               ORDER BY pairs.score DESC, reach.orders DESC, pairs.recommended_id
           ) AS rank
    FROM pairs
    JOIN reach ON reach.product_id = pairs.recommended_id
)
SELECT product_id, recommended_id, rank, score FROM ranked WHERE rank <= %(top)s
"""

# Units and orders per product in paid orders placed since a moment.
_POPULARITY_SQL = """
SELECT variant.product_id, SUM(line.quantity), COUNT(DISTINCT line.order_id)
FROM {line} line
JOIN {order} o ON o.id = line.order_id
JOIN {variant} variant ON variant.id = line.variant_id
WHERE o.payment_status = %(paid)s AND o.cancelled_at IS NULL AND o.created_at >= %(since)s
GROUP BY variant.product_id
"""


@dataclass(frozen=True)
class RecommendationsComputed:
    """What one run of ``recommendations_compute`` found and stored."""

    pairs: int
    products: int
    popular_products: int
    seconds: float


def recommendations_compute(
    *,
    top: int = DEFAULT_TOP,
    bestseller_days: int = DEFAULT_BESTSELLER_DAYS,
    min_orders: int = DEFAULT_MIN_ORDERS,
) -> RecommendationsComputed:
    """Recount "bought together" and bestsellers from paid orders and replace the stored ones.

    ``top``: recommendations kept per product; ``bestseller_days``: the
    window of the bestseller counts; ``min_orders``: how many paid orders a
    pair must share to count. Counting is two SQL statements over order lines
    (a self-join on the order, grouped by product pair, ranked with a window
    function) that catalog runs straight into fresh tables and swaps in, in one
    transaction. Must not run inside a transaction. Raises ``ValueError`` for a
    limit below 1, ``catalog.exceptions.RecommendationsBusy`` while another run
    is at work.
    """
    if top < 1 or bestseller_days < 1 or min_orders < 1:
        raise ValueError("top, bestseller_days and min_orders must be at least 1")
    started = time.monotonic()
    paid = Order.PaymentStatus.PAID.value
    since = timezone.now() - timedelta(days=bestseller_days)
    stored = product_recommendations_rebuild(
        pairs=RowsQuery(_sql(_PAIRS_SQL), {"paid": paid, "min_orders": min_orders, "top": top}),
        popularity=RowsQuery(_sql(_POPULARITY_SQL), {"paid": paid, "since": since}),
    )
    return RecommendationsComputed(
        pairs=stored.pairs,
        products=stored.products,
        popular_products=stored.popular_products,
        seconds=time.monotonic() - started,
    )
