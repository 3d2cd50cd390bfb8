"""The after-sales section: the returns report, the staff queue and the order page, on bench-sized data.

The data comes from ``benchmarks.aftersales_seed`` (requests on 3% of the delivered demo
orders, seeded once); this module measures it and writes the section of the report.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.selectors import return_report
from benchmarks.aftersales_seed import AfterSalesSeeded, after_sales_demo_seed
from benchmarks.base import BenchContext, markdown_table
from benchmarks.catalogue import queries_per_request
from benchmarks.recommendations import LINES_GOAL, demo_orders_ensure
from benchmarks.wrk import WrkError, WrkResult, wrk_measure
from orders.demo_orders import DEMO_NUMBER_PREFIX
from orders.models import Order

__all__ = ["AfterSalesSeeded", "after_sales_demo_seed"]

REPORT_DAYS = 365
REPORT_SECONDS_GOAL = 2.0
REPORT_RUNS = 3
QUEUE_QUERIES_GOAL = 12
QUEUE_RUNS = 5
BENCH_STAFF_EMAIL = "bench-after-sales@example.com"


@dataclass(frozen=True)
class PageBench:
    label: str
    path: str
    status: int
    queries_cold: int
    queries_warm: int
    load: WrkResult | None
    error: str


@dataclass(frozen=True)
class AfterSalesBench:
    delivered_orders: int
    orders_with_requests: int
    requests: int
    open_requests: int
    request_lines: int
    seeded: AfterSalesSeeded
    orders_seconds: float
    report_seconds: float
    report_rows: int
    queue_rows: int  # open requests the queue lists (default filter)
    queue_queries: int
    queue_all_queries: int  # the same queue with every state: more rows, same queries
    queue_ms: float
    queue_status: int
    pages: list[PageBench]
    wrk: str  # how the pages were loaded


def _median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _staff():
    """The bench's superuser, with a confirmed authenticator (no password: it only signs in here)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _created = get_user_model().objects.get_or_create(
        email=BENCH_STAFF_EMAIL, defaults={"is_staff": True, "is_superuser": True}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Bench"})
    return user


def _staff_client():
    """A client signed in as the bench's superuser past both steps, as the two-factor page leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import VERIFIED_AT_SESSION_KEY

    user = _staff()
    client = BenchContext.client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = (
        TOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
    )
    session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    session.save()
    return client


def _queue(path: str) -> tuple[int, int, float]:
    """The queue's status and queries for ``path`` (one GET), and the median time of more."""
    client = _staff_client()
    client.get(path)  # the first GET fills caches (content types, permissions): not what staff wait for
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # Counted now: the next request clears the log the context reads from.
    count = len(queries)
    seconds = _median_seconds(lambda: client.get(path), QUEUE_RUNS)
    return response.status_code, count, seconds * 1000


def _order_pages() -> list[tuple[str, Order]]:
    """A delivered order with two requests (the newest), and the newest delivered order without any."""
    delivered = Order.objects.filter(
        number__startswith=DEMO_NUMBER_PREFIX, fulfilment_status=Order.FulfilmentStatus.DELIVERED
    ).order_by("-created_at", "-id")
    pages = []
    two = delivered.annotate(requests=Count("after_sales_requests")).filter(requests=2).first()
    if two is not None:
        pages.append(("delivered order with two requests", two))
    none = delivered.filter(after_sales_requests__isnull=True).first()
    if none is not None:
        pages.append(("delivered order without requests", none))
    return pages


def _page(context: BenchContext, label: str, order: Order) -> PageBench:
    path = order.get_access_url()
    cold, warm = queries_per_request(path)
    status = BenchContext.client().get(path).status_code
    try:
        load, error = wrk_measure(context.url(path), options=context.wrk), ""
    except WrkError as exc:
        load, error = None, str(exc).splitlines()[0]
    return PageBench(label, path, status, cold, warm, load, error)


def after_sales_measure(context: BenchContext) -> AfterSalesBench:
    orders_seconds = demo_orders_ensure(lines=LINES_GOAL)
    seeded = after_sales_demo_seed()
    end = timezone.now()
    start = end - timedelta(days=REPORT_DAYS)
    rows = return_report(start=start, end=end)
    report_seconds = _median_seconds(lambda: return_report(start=start, end=end), REPORT_RUNS)
    changelist = reverse("admin:aftersales_aftersalesrequest_changelist")
    queue_status, queue_queries, queue_ms = _queue(changelist)
    _status, queue_all_queries, _ms = _queue(changelist + "?state=all")
    demo = AfterSalesRequest.objects.filter(order__number__startswith=DEMO_NUMBER_PREFIX)
    delivered = Order.objects.filter(
        number__startswith=DEMO_NUMBER_PREFIX, fulfilment_status=Order.FulfilmentStatus.DELIVERED
    )
    return AfterSalesBench(
        delivered_orders=delivered.count(),
        orders_with_requests=delivered.filter(after_sales_requests__isnull=False).distinct().count(),
        requests=demo.count(),
        open_requests=demo.exclude(status__in=AfterSalesRequest.FINAL_STATUSES).count(),
        request_lines=AfterSalesLine.objects.filter(request__in=demo).count(),
        seeded=seeded,
        orders_seconds=orders_seconds,
        report_seconds=report_seconds,
        report_rows=len(rows),
        queue_rows=AfterSalesRequest.objects.exclude(status__in=AfterSalesRequest.FINAL_STATUSES).count(),
        queue_queries=queue_queries,
        queue_all_queries=queue_all_queries,
        queue_ms=queue_ms,
        queue_status=queue_status,
        pages=[_page(context, label, order) for label, order in _order_pages()],
        wrk=f"wrk -t{context.wrk.threads} -c{context.wrk.connections} -d{context.wrk.duration}s "
        f"after a {context.wrk.warmup} s warm-up",
    )


# Reporting ----------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _load_cells(page: PageBench) -> list[str]:
    if page.load is None:
        return ["n/a", "n/a", "n/a", page.error or "n/a"]
    load = page.load
    return [
        f"{load.requests_per_second:,.1f}",
        f"{load.p50_ms:.2f}",
        f"{load.p99_ms:.2f}",
        f"{load.non_2xx}/{load.socket_errors}",
    ]


def after_sales_report(bench: AfterSalesBench) -> str:
    """The section's Markdown from measured numbers."""
    seeded = bench.seeded
    data = markdown_table(
        ["measure", "value"],
        [
            [
                "delivered demo orders / with a request",
                f"{bench.delivered_orders:,} / {bench.orders_with_requests:,}",
            ],
            [
                "requests (open) / request lines",
                f"{bench.requests:,} ({bench.open_requests:,}) / {bench.request_lines:,}",
            ],
            [
                "seeded this run",
                f"{seeded.requests:,} requests in {seeded.seconds:.1f} s"
                if seeded.requests
                else "none needed",
            ],
            [
                "demo orders added this run",
                f"{bench.orders_seconds:.1f} s" if bench.orders_seconds else "none needed",
            ],
        ],
    )
    measures = markdown_table(
        ["measure", "value", "goal"],
        [
            [
                f"returns report, last {REPORT_DAYS} days "
                f"(median of {REPORT_RUNS}; {bench.report_rows:,} products)",
                f"{bench.report_seconds:.2f} s",
                f"< {REPORT_SECONDS_GOAL:.0f} s",
            ],
            [
                f"staff queue, open requests ({bench.queue_rows:,}; status {bench.queue_status}): queries",
                bench.queue_queries,
                f"<= {QUEUE_QUERIES_GOAL}",
            ],
            ["the same queue, every state: queries", bench.queue_all_queries, "same as open"],
            [f"staff queue, open requests: time (median of {QUEUE_RUNS})", f"{bench.queue_ms:.1f} ms", ""],
        ],
    )
    pages = markdown_table(
        [
            "order page (guest link)",
            "status",
            "queries (cold/warm)",
            "req/s",
            "p50 ms",
            "p99 ms",
            "non-2xx/socket errors",
        ],
        [
            [page.label, page.status, f"{page.queries_cold}/{page.queries_warm}", *_load_cells(page)]
            for page in bench.pages
        ],
    )
    goals = [
        f"- returns report over {REPORT_DAYS} days under {REPORT_SECONDS_GOAL:.0f} s: "
        f"{bench.report_seconds:.2f} s {_verdict(bench.report_seconds < REPORT_SECONDS_GOAL)}",
        f"- staff queue at most {QUEUE_QUERIES_GOAL} queries, whatever the rows: open {bench.queue_queries}, "
        f"every state {bench.queue_all_queries} "
        + _verdict(
            bench.queue_status == 200
            and bench.queue_queries <= QUEUE_QUERIES_GOAL
            and bench.queue_all_queries == bench.queue_queries
        ),
    ]
    by_label = {page.label: page for page in bench.pages}
    two = by_label.get("delivered order with two requests")
    none = by_label.get("delivered order without requests")
    if two is not None and none is not None:
        goals.append(
            f"- the section's cost on the order page: {two.queries_cold - none.queries_cold} queries more "
            "with two requests than without (cold)"
        )
    return "\n".join(
        [
            "## After-sales",
            "",
            data,
            "",
            measures,
            "",
            f"Order pages, through the guest link: {bench.wrk}; queries of one GET with an empty cache, "
            "then again.",
            "",
            pages,
            "",
            "Goals:",
            *goals,
        ]
    )


def aftersales_section(context: BenchContext) -> str:
    """Seed requests on the demo orders (once), time the report, count the queue and order pages."""
    return after_sales_report(after_sales_measure(context))
