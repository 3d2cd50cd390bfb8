"""The catalogue section: requests/s, latency and SQL queries of the storefront pages."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.base import BenchContext, markdown_table
from benchmarks.server import HOST, http_status
from benchmarks.wrk import WrkError, WrkResult, wrk_measure
from catalog.models import Category, Product

# A material in the demo vocabulary (catalog/demo/data.py): hundreds of matches among 10,000 products.
SEARCH_WORD = "linen"
RATIO_GOAL = 0.5  # warm catalogue pages: at least half the truly bare view's requests/s
SEARCH_P99_GOAL_MS = 100.0
QUERIES_GOAL = 6  # per catalogue page, cold cache
RATIO_PAGES = ("home", "list", "category", "detail", "search")
TRULY_BARE = "truly bare"
BARE = "bare"
BARE_SERVER = "bare"  # the second gunicorn (benchmarks/bare_settings.py)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    server: str = "shop"


@dataclass(frozen=True)
class PageResult:
    page: Page
    status: int  # of one GET to gunicorn before the load; 0 if nothing answered
    load: WrkResult | None
    error: str  # why there is no load result
    queries_cold: int
    queries_warm: int


def catalogue_pages() -> list[Page]:
    """The two baselines, then one page of each storefront kind, picked from the benchmark data.

    The truly bare view is the second gunicorn's page (two middleware, no
    database); the bare view is the shop's own stack answering a fixed page.
    """
    category = Category.objects.filter(parent=None, is_active=True).order_by("position", "name").first()
    product = (
        Product.objects.filter(
            is_active=True, category__is_active=True, variants__is_active=True, variants__stock__gt=0
        )
        .order_by("pk")
        .first()
    )
    pages = [
        Page(TRULY_BARE, "/", BARE_SERVER),
        Page(BARE, "/bench/bare/"),
        Page("home", "/"),
        Page("list", "/products/"),
    ]
    if category is not None:
        pages.append(Page("category", f"/category/{category.slug}/"))
    if product is not None:
        pages.append(Page("detail", f"/products/{product.slug}/"))
    pages.append(Page("search", f"/products/?q={SEARCH_WORD}"))
    return pages


def queries_per_request(path: str) -> tuple[int, int]:
    """SQL queries of one GET with an empty cache, then of the same GET again (warm cache).

    Each GET is sent without cookies, like wrk's requests.
    """
    client = BenchContext.client()
    cache.clear()
    counts = []
    for _ in range(2):
        client.cookies.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        counts.append(len(queries))
    return counts[0], counts[1]


def _measure(context: BenchContext, page: Page) -> PageResult:
    if page.server == BARE_SERVER:
        if context.bare_port is None:
            return PageResult(page, 0, None, "the truly bare server is not running", 0, 0)
        port, cold, warm = context.bare_port, 0, 0  # no database at all
    else:
        port = context.port
        cold, warm = queries_per_request(page.path)
    status = http_status(port, page.path)
    try:
        load, error = wrk_measure(f"http://{HOST}:{port}{page.path}", options=context.wrk), ""
    except WrkError as exc:
        load, error = None, str(exc).splitlines()[0]
    return PageResult(page, status, load, error, cold, warm)


def _number(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _share(value: float | None, base: float | None) -> str:
    return "n/a" if value is None or not base else f"{value / base:.0%}"


def catalogue_report(results: list[PageResult]) -> str:
    """The Markdown table and the goals, from measured results (with the truly bare and bare baselines)."""
    by_name = {result.page.name: result for result in results}

    def rate(name: str) -> float | None:
        result = by_name.get(name)
        return result.load.requests_per_second if result is not None and result.load else None

    truly_bare, bare = rate(TRULY_BARE), rate(BARE)
    rows = []
    for result in results:
        load = result.load
        rows.append(
            [
                f"{result.page.name} `{result.page.path}`",
                result.status or "no answer",
                _number(load.requests_per_second if load else None),
                _number(load.p50_ms if load else None, 2),
                _number(load.p99_ms if load else None, 2),
                _share(rate(result.page.name), truly_bare),
                _share(rate(result.page.name), bare),
                f"{result.queries_cold}/{result.queries_warm}",
                f"{load.non_2xx}/{load.socket_errors}" if load else result.error,
            ]
        )
    table = markdown_table(
        [
            "page",
            "status",
            "req/s",
            "p50 ms",
            "p99 ms",
            "share of truly bare",
            "share of full-stack bare",
            "queries (cold/warm)",
            "non-2xx/socket errors",
        ],
        rows,
    )
    return "\n".join([table, "", "Goals:", *_goals(results, truly_bare)])


def _verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def _goals(results: list[PageResult], truly_bare: float | None) -> list[str]:
    by_name = {result.page.name: result for result in results}

    def usable(name: str) -> bool:
        result = by_name.get(name)
        return result is not None and result.status == 200 and result.load is not None

    ratio_parts = []
    for name in RATIO_PAGES:
        ratio = by_name[name].load.requests_per_second / truly_bare if usable(name) and truly_bare else None
        verdict = _verdict(None if ratio is None else ratio >= RATIO_GOAL)
        ratio_parts.append(f"{name} {'n/a' if ratio is None else f'{ratio:.0%}'} {verdict}")
    search = by_name["search"].load.p99_ms if usable("search") else None
    catalogue = [result for result in results if result.page.name not in (TRULY_BARE, BARE)]
    worst = max((result.queries_cold for result in catalogue), default=0)
    if all(result.status == 200 for result in catalogue):
        queries_verdict = _verdict(worst <= QUERIES_GOAL)
    else:
        queries_verdict = "n/a (not every page answers 200)"
    return [
        f"- warm pages >= {RATIO_GOAL:.0%} of the truly bare view: " + ", ".join(ratio_parts),
        f"- search p99 < {SEARCH_P99_GOAL_MS:.0f} ms: {_number(search, 2)} ms "
        + _verdict(None if search is None else search < SEARCH_P99_GOAL_MS),
        f"- at most {QUERIES_GOAL} SQL queries per catalogue page (cold cache): "
        f"most {worst}, {queries_verdict}",
        "- every page answers 200: "
        + ", ".join(f"{result.page.name} {result.status or 'no answer'}" for result in results),
    ]


def catalogue_section(context: BenchContext) -> str:
    """Load each storefront page with wrk and count its queries, beside both baselines."""
    results = [_measure(context, page) for page in catalogue_pages()]
    intro = (
        f"wrk -t{context.wrk.threads} -c{context.wrk.connections} -d{context.wrk.duration}s --latency "
        f"after a {context.wrk.warmup} s warm-up, per page. "
        "Queries: one GET with an empty cache, then again. Truly bare: a second gunicorn with as "
        "many workers serving a 2 KB page through Django with "
        "SecurityMiddleware and CommonMiddleware only, no database; bare: the shop's whole stack "
        "answering a fixed page."
    )
    return "\n".join(["## Catalogue pages", "", intro, "", catalogue_report(results)])
