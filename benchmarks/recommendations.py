"""The recommendations section: the nightly precompute on the benchmark catalogue and 1,000,000 order lines.

Paid demo orders are made until they hold at least 1,000,000 lines; that happens
once, later runs reuse them. The first ``TEMPLATE_ORDERS`` come from
``orders.demo_orders`` (the generator behind ``seed_demo_orders``); the rest are
copies of those made in one set-based statement each, every copy's basket moved
along the catalogue (its products shifted by a fixed stride in category order), so
the copies buy other products in the same patterns. Then the precompute
(``compute_recommendations``) runs twice and is timed, with the process's memory
and the tables' dead rows after it, and a product page showing recommendations is
counted (queries) and loaded (wrk).
"""

import math
import resource
import time
import tracemalloc
from dataclasses import dataclass

from django.db import connection, transaction

from benchmarks.base import BenchContext, markdown_table
from benchmarks.catalogue import QUERIES_GOAL, queries_per_request
from benchmarks.wrk import WrkError, WrkResult, wrk_measure
from catalog.models import Product, ProductPopularity, ProductRecommendation, Variant
from orders.demo_orders import DEMO_NUMBER_PREFIX, demo_orders_seed
from orders.models import Order, OrderLine
from orders.recommendations import RecommendationsComputed, recommendations_compute

LINES_GOAL = 1_000_000
SECONDS_GOAL = 10.0
TEMPLATE_ORDERS = 2_000
_ORDERS_STEP_MIN = 1_000
_LINES_PER_ORDER_GUESS = 2.5
_COPY_PREFIX = f"{DEMO_NUMBER_PREFIX}C"  # DEMOC + 4 digits of copy + 7 of the template order's id
_STRIDE = 7919  # a prime: each copy's products are this many places on in category order


@dataclass(frozen=True)
class RecommendationsBench:
    products: int
    paid_orders: int
    paid_lines: int
    seeded_seconds: float  # 0 when the orders were already there
    computed: RecommendationsComputed
    again_seconds: float  # a second run at once after the first
    rss_before_mb: float  # the process's peak resident memory before the runs
    rss_after_mb: float  # and after them
    python_peak_mb: float  # Python's own allocations at their peak during a run (tracemalloc)
    dead_rows: int  # dead rows left in both tables after the second run
    page: str  # a product page showing recommendations, or "" without any
    queries_cold: int
    queries_warm: int
    load: WrkResult | None
    error: str


def _demo_lines() -> int:
    return OrderLine.objects.filter(order__number__startswith=DEMO_NUMBER_PREFIX).count()


def demo_orders_ensure(*, lines: int) -> float:
    """Add demo orders until they hold at least ``lines`` order lines; returns the seconds it took.

    Up to ``TEMPLATE_ORDERS`` orders from the demo generator, then set-based copies of them.
    """
    seconds = 0.0
    orders = Order.objects.filter(number__startswith=DEMO_NUMBER_PREFIX).count()
    have = _demo_lines()
    while have < lines and orders < TEMPLATE_ORDERS:
        per_order = have / orders if orders and have else _LINES_PER_ORDER_GUESS
        orders = min(TEMPLATE_ORDERS, orders + max(_ORDERS_STEP_MIN, math.ceil((lines - have) / per_order)))
        result = demo_orders_seed(orders=orders)
        seconds += result.seconds
        if not result.orders_created:
            return seconds  # no sellable product: nothing more can be made
        have = _demo_lines()
    if have < lines:
        started = time.monotonic()
        _demo_orders_copy(lines=lines)
        seconds += time.monotonic() - started
    return seconds


def _copies_made(cursor) -> int:
    cursor.execute(
        f"SELECT COALESCE(MAX(substr(number, {len(_COPY_PREFIX) + 1}, 4)::int), 0) "
        f"FROM {_quote(Order)} WHERE number LIKE %s",
        [f"{_COPY_PREFIX}%"],
    )
    return cursor.fetchone()[0]


def _demo_orders_copy(*, lines: int) -> None:
    """Copy the generated demo orders, basket moved along the catalogue, until ``lines`` lines exist."""
    generated = Order.objects.filter(number__startswith=DEMO_NUMBER_PREFIX).exclude(
        number__startswith=_COPY_PREFIX
    )
    per_copy = OrderLine.objects.filter(order__in=generated).count()
    order_columns = [field.column for field in Order._meta.concrete_fields if not field.primary_key]
    made = {
        "number": f"'{_COPY_PREFIX}' || lpad(copy::text, 4, '0') || lpad(o.id::text, 7, '0')",
        "checkout_token": "gen_random_uuid()",
        "access_token": "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')",
    }
    line_columns = ["order_id", "variant_id", "product_name", "sku", "unit_price", "line_total"]
    kept = [
        field.column
        for field in OrderLine._meta.concrete_fields
        if not field.primary_key and field.column not in line_columns
    ]
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '30min'")  # a bulk load, not a page
        first = _copies_made(cursor) + 1
        copies = math.ceil((lines - _demo_lines()) / per_copy)
        # Each copy's orders, then their lines: the template line's variant swapped for the one
        # _STRIDE x copy places on, in category order, with that variant's name, SKU and price.
        cursor.execute(
            f"""
            WITH shelf AS (
                SELECT v.id, p.name, v.sku, v.price,
                       ROW_NUMBER() OVER (ORDER BY p.category_id, p.id) - 1 AS place,
                       COUNT(*) OVER () AS size
                FROM (SELECT DISTINCT ON (product_id) * FROM {_quote(Variant)}
                      WHERE is_active ORDER BY product_id, position, id) v
                JOIN {_quote(Product)} p ON p.id = v.product_id AND p.is_active
            ),
            made AS (
                INSERT INTO {_quote(Order)} ({", ".join(order_columns)})
                SELECT {", ".join(made.get(column, f"o.{column}") for column in order_columns)}
                FROM {_quote(Order)} o
                CROSS JOIN generate_series(%(first)s, %(last)s) AS copy
                WHERE o.number LIKE %(generated)s AND o.number NOT LIKE %(copied)s
                RETURNING id, number
            )
            INSERT INTO {_quote(OrderLine)} ({", ".join(line_columns + kept)})
            SELECT made.id, moved.id, moved.name, moved.sku, moved.price, moved.price * line.quantity,
                   {", ".join(f"line.{column}" for column in kept)}
            FROM made
            JOIN {_quote(OrderLine)} line
              ON line.order_id = substr(made.number, {len(_COPY_PREFIX) + 5})::bigint
            JOIN shelf ON shelf.id = line.variant_id
            JOIN shelf moved ON moved.place = (
                shelf.place + %(stride)s * substr(made.number, {len(_COPY_PREFIX) + 1}, 4)::int
            ) %% shelf.size
            """,
            {
                "first": first,
                "last": first + copies - 1,
                "generated": f"{DEMO_NUMBER_PREFIX}%",
                "copied": f"{_COPY_PREFIX}%",
                "stride": _STRIDE,
            },
        )
    with connection.cursor() as cursor:
        for model in (Order, OrderLine):
            cursor.execute(f"ANALYZE {_quote(model)}")


def _quote(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dead_rows() -> int:
    tables = [ProductRecommendation._meta.db_table, ProductPopularity._meta.db_table]
    with connection.cursor() as cursor:
        # Statistics reach the shared view a moment after the commit; flush them now.
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT COALESCE(SUM(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname = ANY(%s)", [tables]
        )
        return int(cursor.fetchone()[0])


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recommendations_timed() -> tuple[RecommendationsComputed, float, float, float, float, int]:
    """Two runs of the precompute, back to back.

    Returns the first run, the second's seconds, the peak RSS before and after, Python's peak
    (tracemalloc) and the dead rows left in the tables.
    """
    rss_before = _rss_mb()
    tracemalloc.start()
    try:
        computed = recommendations_compute()
        again = recommendations_compute()
        python_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()
    return computed, again.seconds, rss_before, _rss_mb(), python_peak, _dead_rows()


def _page_with_recommendations() -> str:
    row = ProductRecommendation.objects.order_by("-score", "product_id").values("product__slug").first()
    return f"/products/{row['product__slug']}/" if row else ""


def recommendations_measure(context: BenchContext) -> RecommendationsBench:
    seeded = demo_orders_ensure(lines=LINES_GOAL)
    computed, again_seconds, rss_before, rss_after, python_peak, dead_rows = recommendations_timed()
    page = _page_with_recommendations()
    cold = warm = 0
    load, error = None, ""
    if page:
        cold, warm = queries_per_request(page)
        try:
            load = wrk_measure(context.url(page), options=context.wrk)
        except WrkError as exc:
            error = str(exc).splitlines()[0]
    paid = Order.objects.filter(payment_status=Order.PaymentStatus.PAID, cancelled_at__isnull=True)
    return RecommendationsBench(
        products=Product.objects.count(),
        paid_orders=paid.count(),
        paid_lines=OrderLine.objects.filter(order__in=paid).count(),
        seeded_seconds=seeded,
        computed=computed,
        again_seconds=again_seconds,
        rss_before_mb=rss_before,
        rss_after_mb=rss_after,
        python_peak_mb=python_peak,
        dead_rows=dead_rows,
        page=page,
        queries_cold=cold,
        queries_warm=warm,
        load=load,
        error=error,
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def recommendations_report(bench: RecommendationsBench) -> str:
    """The section's Markdown from measured numbers."""
    computed = bench.computed
    rows = [
        ["products", f"{bench.products:,}"],
        ["paid orders / order lines", f"{bench.paid_orders:,} / {bench.paid_lines:,}"],
        [
            "demo orders seeded this run",
            f"{bench.seeded_seconds:.1f} s" if bench.seeded_seconds else "none needed",
        ],
        ["pairs stored / products with recommendations", f"{computed.pairs:,} / {computed.products:,}"],
        ["products with recent sales (bestsellers)", f"{computed.popular_products:,}"],
        [
            "precompute (SQL into fresh tables, swapped in), first / second run",
            f"{computed.seconds:.2f} s / {bench.again_seconds:.2f} s",
        ],
        [
            "process peak RSS before / after; Python peak (tracemalloc)",
            f"{bench.rss_before_mb:,.0f} MB / {bench.rss_after_mb:,.0f} MB; {bench.python_peak_mb:.1f} MB",
        ],
        ["dead rows left in the two tables after the second run", f"{bench.dead_rows:,}"],
    ]
    if bench.page:
        rows.append(
            [f"product page `{bench.page}` queries (cold/warm)", f"{bench.queries_cold}/{bench.queries_warm}"]
        )
        if bench.load is not None:
            rows.append(
                [
                    "that page under load: req/s, p50, p99",
                    f"{bench.load.requests_per_second:,.1f}, "
                    f"{bench.load.p50_ms:.2f} ms, {bench.load.p99_ms:.2f} ms",
                ]
            )
        else:
            rows.append(["that page under load", bench.error or "n/a"])
    goals = [
        f"- at least {LINES_GOAL:,} paid order lines: {bench.paid_lines:,} "
        + _verdict(bench.paid_lines >= LINES_GOAL),
        f"- precompute under {SECONDS_GOAL:.0f} s for {LINES_GOAL:,} lines, flat memory: "
        f"{computed.seconds:.2f} s, RSS +{bench.rss_after_mb - bench.rss_before_mb:,.0f} MB "
        + _verdict(computed.seconds < SECONDS_GOAL),
        f"- no dead rows after a second run: {bench.dead_rows:,} " + _verdict(bench.dead_rows == 0),
    ]
    if bench.page:
        goals.append(
            f"- product page with recommendations at most {QUERIES_GOAL} queries cold: "
            f"{bench.queries_cold} {_verdict(bench.queries_cold <= QUERIES_GOAL)}"
        )
    table = markdown_table(["measure", "value"], rows)
    return "\n".join(["## Recommendations", "", table, "", "Goals:", *goals])


def recommendations_section(context: BenchContext) -> str:
    """Seed paid orders (once), time the recommendations precompute, load a page that shows them."""
    return recommendations_report(recommendations_measure(context))
