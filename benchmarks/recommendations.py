"""The recommendations section: the nightly precompute on the benchmark catalogue and 100,000 order lines.

Paid demo orders (``orders.demo_orders``, the generator behind ``seed_demo_orders``)
are bulk-inserted into the benchmark database until they hold at least
100,000 lines; that happens once, later runs reuse them. Then the precompute
(``compute_recommendations``) runs and is timed, and a product page showing
recommendations is counted (queries) and loaded (wrk).
"""

import math
from dataclasses import dataclass

from benchmarks.base import BenchContext, markdown_table
from benchmarks.catalogue import QUERIES_GOAL, queries_per_request
from benchmarks.wrk import WrkError, WrkResult, wrk_measure
from catalog.models import Product, ProductRecommendation
from orders.demo_orders import DEMO_NUMBER_PREFIX, demo_orders_seed
from orders.models import Order, OrderLine
from orders.recommendations import RecommendationsComputed, recommendations_compute

LINES_GOAL = 100_000
SECONDS_GOAL = 60.0
_ORDERS_STEP_MIN = 1_000
_LINES_PER_ORDER_GUESS = 2.5


@dataclass(frozen=True)
class RecommendationsBench:
    products: int
    paid_orders: int
    paid_lines: int
    seeded_seconds: float  # 0 when the orders were already there
    computed: RecommendationsComputed
    page: str  # a product page showing recommendations, or "" without any
    queries_cold: int
    queries_warm: int
    load: WrkResult | None
    error: str


def _demo_lines() -> int:
    return OrderLine.objects.filter(order__number__startswith=DEMO_NUMBER_PREFIX).count()


def demo_orders_ensure(*, lines: int) -> float:
    """Add demo orders until they hold at least ``lines`` order lines; returns the seconds it took."""
    seconds = 0.0
    orders = Order.objects.filter(number__startswith=DEMO_NUMBER_PREFIX).count()
    have = _demo_lines()
    while have < lines:
        per_order = have / orders if orders and have else _LINES_PER_ORDER_GUESS
        orders += max(_ORDERS_STEP_MIN, math.ceil((lines - have) / per_order))
        result = demo_orders_seed(orders=orders)
        seconds += result.seconds
        if not result.orders_created:
            break  # no sellable product: nothing more can be made
        have = _demo_lines()
    return seconds


def _page_with_recommendations() -> str:
    row = ProductRecommendation.objects.order_by("-score", "product_id").values("product__slug").first()
    return f"/products/{row['product__slug']}/" if row else ""


def recommendations_measure(context: BenchContext) -> RecommendationsBench:
    seeded = demo_orders_ensure(lines=LINES_GOAL)
    computed = recommendations_compute()
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
        ["precompute time (count in SQL + replace in one transaction)", f"{computed.seconds:.2f} s"],
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
        f"- precompute under {SECONDS_GOAL:.0f} s: {computed.seconds:.2f} s "
        + _verdict(computed.seconds < SECONDS_GOAL),
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
