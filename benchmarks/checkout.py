"""The checkout section: concurrent guest shoppers buying through the whole storefront path.

Each shopper is a separate OS process (so the client is not bound by one
GIL) with its own cookies, speaking HTTP through the standard library only.
It loops: product page, add to cart, checkout form, place order, confirmation
page, and checks every status. Afterwards the benchmark database must hold
exactly one order per successful place-order POST, and stock must have gone
down by exactly the quantities ordered.
"""

import html
import http.client
import math
import multiprocessing
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Sum
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from benchmarks.base import BenchContext, Section, markdown_table
from benchmarks.server import HOST
from catalog.models import Product, Variant
from catalog.selectors import category_tree_get
from catalog.services import catalog_mark_changed
from orders.models import Order, OrderLine, OutboundEmail

SHOPPERS = 8
DURATION_SECONDS = 60.0
PRODUCTS = 50
STOCK = 1_000_000
CHECKOUTS_PER_SECOND_GOAL = 40.0
PLACE_ORDER_P99_GOAL_MS = 50.0
# django-oscar's sandbox, measured the same way on this machine.
OSCAR_CHECKOUTS_PER_SECOND = 3.7
OSCAR_PLACE_ORDER_P99_MS = 262.0

REQUEST_TIMEOUT_SECONDS = 10.0
STEPS = ("product", "add", "checkout", "place", "confirm")
STEP_LABELS = {
    "product": "GET product page",
    "add": "POST /cart/add/",
    "checkout": "GET /checkout/",
    "place": "POST /checkout/ (place order)",
    "confirm": "GET order page",
}
EMAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): nothing is ever delivered there

_INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?')
_ORDER_PATH = re.compile(r"^/orders/([^/?#]+)/")


class ParseError(ValueError):
    """A page lacks a form field the shopper needs."""


class StepFailed(Exception):
    """One step of the checkout path did not answer as a browser would expect."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


# --- Reading the pages ----------------------------------------------------------------------------


def input_tags(page: str, name: str) -> list[dict[str, str]]:
    """The attributes of every ``<input>`` named ``name``, in page order (values unescaped)."""
    tags = []
    for tag in _INPUT_TAG.findall(page):
        attributes = {
            key.lower(): html.unescape(value or "") for key, value in _ATTRIBUTE.findall(tag[len("<input") :])
        }
        if attributes.get("name") == name:
            tags.append(attributes)
    return tags


def input_value(page: str, name: str) -> str:
    """The value of the first input named ``name``; raises ParseError if there is none."""
    for attributes in input_tags(page, name):
        if attributes.get("value"):
            return attributes["value"]
    raise ParseError(f"no input named {name!r} with a value")


def input_choice(page: str, name: str) -> str:
    """What a browser submits for ``name``: a hidden input, else the checked or first enabled radio."""
    tags = [attributes for attributes in input_tags(page, name) if "disabled" not in attributes]
    for attributes in tags:
        chosen = attributes.get("type", "text").lower() != "radio" or "checked" in attributes
        if chosen and attributes.get("value"):
            return attributes["value"]
    for attributes in tags:
        if attributes.get("value"):
            return attributes["value"]
    raise ParseError(f"no enabled choice for {name!r}")


def order_number_from_location(location: str) -> str:
    """The order number in a redirect to ``/orders/<number>/``; raises ParseError otherwise."""
    match = _ORDER_PATH.match(urlsplit(location).path)
    if match is None:
        raise ParseError(f"not an order page: {location!r}")
    return match.group(1)


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile (a value that occurred); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- One shopper ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str


class Browser:
    """A cookie jar and a persistent HTTP connection to one local server (standard library only).

    gunicorn's sync workers close the connection after each response;
    http.client then opens a new one for the next request by itself.
    """

    def __init__(self, port: int, *, host: str = HOST, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.host = host
        self.port = port
        self.cookies: dict[str, str] = {}
        self._connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def close(self) -> None:
        self._connection.close()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        """Send one request with the jar's cookies, store the cookies set, return the whole response."""
        headers = {"Accept-Language": "en", "User-Agent": "shop-bench-checkout"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reused = self._connection.sock is not None
        try:
            response = self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed an idle kept-alive connection before reading
            # this request: send it again once on a fresh connection.
            self._connection.close()
            response = self._send(method, path, body, headers)
        self._store_cookies(response.headers.get_all("Set-Cookie") or [])
        content = response.read().decode("utf-8", errors="replace")
        return Response(response.status, response.headers.get("Location", ""), content)

    def _send(self, method: str, path: str, body: str | None, headers: dict[str, str]):
        self._connection.request(method, path, body=body, headers=headers)
        return self._connection.getresponse()

    def _store_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                # Django deletes a cookie by setting it empty with Max-Age=0.
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass(frozen=True)
class ShopperPlan:
    """What one shopper process does: which products to cycle through, as whom, for how long."""

    port: int
    product_paths: tuple[str, ...]
    email: str
    duration: float
    offset: int = 0  # where in product_paths this shopper starts, so shoppers spread over products
    loops: int | None = None  # stop after this many loops even before the duration (tests)
    host: str = HOST


@dataclass
class ShopperResult:
    """What one shopper measured; merged across shoppers by ``ShopperResult.merge``."""

    checkouts: int = 0  # confirmation page answered 200 and showed the order number
    placed: int = 0  # place-order POSTs redirected to an order page
    errors: Counter = field(default_factory=Counter)  # step -> count
    first_errors: dict[str, str] = field(default_factory=dict)  # step -> the first error's detail
    place_ms: list[float] = field(default_factory=list)  # successful place-order POSTs
    loop_ms: list[float] = field(default_factory=list)  # complete checkouts, product page to confirmation
    step_ms: dict[str, list[float]] = field(default_factory=dict)  # step -> times of its answered requests
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # the shopper processes' own CPU time, to tell client from server

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @classmethod
    def merge(cls, results: Sequence["ShopperResult"]) -> "ShopperResult":
        merged = cls()
        for result in results:
            merged.checkouts += result.checkouts
            merged.placed += result.placed
            merged.errors.update(result.errors)
            for step, detail in result.first_errors.items():
                merged.first_errors.setdefault(step, detail)
            merged.place_ms += result.place_ms
            merged.loop_ms += result.loop_ms
            for step, times in result.step_ms.items():
                merged.step_ms.setdefault(step, []).extend(times)
            merged.seconds = max(merged.seconds, result.seconds)
            merged.client_cpu_seconds += result.client_cpu_seconds
        return merged


def _call(
    browser: Browser,
    result: ShopperResult,
    step: str,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
) -> Response:
    started = time.perf_counter()
    try:
        response = browser.request(method, path, form)
    except (OSError, http.client.HTTPException) as error:
        raise StepFailed(step, f"{method} {path}: {type(error).__name__}: {error}") from error
    result.step_ms.setdefault(step, []).append((time.perf_counter() - started) * 1000)
    return response


def _expect(response: Response, step: str, status: int) -> Response:
    if response.status != status:
        where = f" to {response.location}" if response.location else ""
        raise StepFailed(step, f"answered {response.status}{where}, expected {status}")
    return response


def _parsed(step: str, parse, *args: str) -> str:
    try:
        return parse(*args)
    except ParseError as error:
        raise StepFailed(step, str(error)) from error


def checkout_details(*, email: str) -> dict[str, str]:
    """A guest's checkout form, cash on delivery to mainland China (needs no bank account)."""
    return {
        "email": email,
        "full_name": "Bench Shopper",
        "phone": "138 0013 8000",
        "country": "CN",
        "province": "Zhejiang",
        "city": "Hangzhou",
        "postal_code": "310000",
        "address_line1": "1 Benchmark Road",
        "address_line2": "",
        "payment_method": "cod",
        "note": "",
    }


def checkout_once(browser: Browser, *, product_path: str, email: str, result: ShopperResult) -> str:
    """Buy one unit through the whole path; returns the order number.

    Counts the place-order POST in ``result`` (and its time) once it redirects
    to an order page, and the checkout once the confirmation page shows that
    order's number. Raises StepFailed naming the step that went wrong.
    """
    started = time.perf_counter()
    page = _expect(_call(browser, result, "product", "GET", product_path), "product", 200).body
    add_form = {
        "csrfmiddlewaretoken": _parsed("product", input_value, page, "csrfmiddlewaretoken"),
        "variant": _parsed("product", input_choice, page, "variant"),
        "quantity": "1",
    }
    _expect(_call(browser, result, "add", "POST", "/cart/add/", add_form), "add", 302)

    page = _expect(_call(browser, result, "checkout", "GET", "/checkout/"), "checkout", 200).body
    place_form = {
        **checkout_details(email=email),
        "csrfmiddlewaretoken": _parsed("checkout", input_value, page, "csrfmiddlewaretoken"),
        "checkout_token": _parsed("checkout", input_value, page, "checkout_token"),
        "shipping_method": _parsed("checkout", input_choice, page, "shipping_method"),
    }
    placed = _expect(_call(browser, result, "place", "POST", "/checkout/", place_form), "place", 302)
    number = _parsed("place", order_number_from_location, placed.location)
    result.placed += 1
    result.place_ms.append(result.step_ms["place"][-1])

    split = urlsplit(placed.location)
    confirmation_path = split.path + (f"?{split.query}" if split.query else "")
    page = _expect(_call(browser, result, "confirm", "GET", confirmation_path), "confirm", 200).body
    if number not in page:
        raise StepFailed("confirm", f"the order page does not show {number}")
    result.checkouts += 1
    result.loop_ms.append((time.perf_counter() - started) * 1000)
    return number


def shopper_run(plan: ShopperPlan) -> ShopperResult:
    """Loop checkouts until the duration is over (or ``plan.loops`` are done); never raises StepFailed.

    A failed loop is counted under its step and the shopper starts over as a
    new guest (fresh cookies), so a half-filled cart never leaks into the
    next order. The loop running at the deadline finishes; each request is
    bounded by a timeout.
    """
    result = ShopperResult()
    browser = Browser(plan.port, host=plan.host)
    started = time.monotonic()
    cpu_started = time.process_time()
    deadline = started + plan.duration
    loop = 0
    try:
        while time.monotonic() < deadline and (plan.loops is None or loop < plan.loops):
            path = plan.product_paths[(plan.offset + loop) % len(plan.product_paths)]
            loop += 1
            try:
                checkout_once(browser, product_path=path, email=plan.email, result=result)
            except StepFailed as failure:
                result.errors[failure.step] += 1
                result.first_errors.setdefault(failure.step, failure.detail)
                browser.close()
                browser = Browser(plan.port, host=plan.host)
    finally:
        browser.close()
    result.seconds = time.monotonic() - started
    result.client_cpu_seconds = time.process_time() - cpu_started
    return result


def shoppers_run(plans: Sequence[ShopperPlan]) -> ShopperResult:
    """Run each plan in its own process at the same time and merge what they measured.

    Forks (Linux): the children use only the standard library and never touch
    Django or the database, and Django's connections are closed before the
    fork so no child inherits one in use.
    """
    connections.close_all()
    longest = max(plan.duration for plan in plans)
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=len(plans)) as pool:
        # Bounded: the loop running at the deadline has five requests, each with a timeout.
        results = pool.map_async(shopper_run, plans).get(timeout=longest + 10 * REQUEST_TIMEOUT_SECONDS)
    return ShopperResult.merge(results)


# --- The benchmark database -----------------------------------------------------------------------


@dataclass(frozen=True)
class StockedProducts:
    """The products the shoppers buy and their variants' stock before the run."""

    paths: tuple[str, ...]
    stock_before: dict[int, int]  # variant id -> stock


@transaction.atomic
def checkout_products_prepare(*, count: int = PRODUCTS, stock: int = STOCK) -> StockedProducts:
    """Pick ``count`` visible, in-stock products and set all their variants' stock to ``stock``.

    For the benchmark database only: ``update()`` skips the catalogue signals,
    so the catalogue revision is bumped here (cached pages then show the new
    stock).
    """
    product_ids = list(
        Product.objects.filter(
            is_active=True,
            category_id__in=list(category_tree_get().visible_ids),
            variants__is_active=True,
            variants__stock__gt=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:count]
    )
    variants = Variant.objects.filter(product_id__in=product_ids)
    variants.update(stock=stock)
    catalog_mark_changed()
    products = Product.objects.filter(pk__in=product_ids).order_by("pk")
    return StockedProducts(
        paths=tuple(product.get_absolute_url() for product in products),
        stock_before=dict(variants.values_list("pk", "stock")),
    )


@dataclass(frozen=True)
class Verification:
    orders: int  # orders the shoppers' emails placed
    placed: int  # successful place-order POSTs
    units_ordered: int
    stock_mismatches: list[str]  # variants whose stock moved by other than the ordered quantity
    lines_elsewhere: int  # order lines for variants outside the stocked set
    emails_queued: int  # confirmation emails recorded and enqueued, not sent

    @property
    def orders_match(self) -> bool:
        return self.orders == self.placed

    @property
    def stock_matches(self) -> bool:
        return not self.stock_mismatches and self.lines_elsewhere == 0


def checkout_verify(*, email_prefix: str, placed: int, stock_before: dict[int, int]) -> Verification:
    """Compare what the database holds after the run with what the shoppers saw."""
    orders = Order.objects.filter(email__istartswith=email_prefix)
    lines = OrderLine.objects.filter(order__in=orders)
    ordered = dict(
        lines.values("variant_id").annotate(units=Sum("quantity")).values_list("variant_id", "units")
    )
    stock_after = dict(Variant.objects.filter(pk__in=list(stock_before)).values_list("pk", "stock"))
    mismatches = [
        f"variant {pk}: {before:,} - {stock_after.get(pk, 0):,} != {ordered.get(pk, 0):,} ordered"
        for pk, before in sorted(stock_before.items())
        if before - stock_after.get(pk, 0) != ordered.get(pk, 0)
    ]
    return Verification(
        orders=orders.count(),
        placed=placed,
        units_ordered=sum(ordered.values()),
        stock_mismatches=mismatches,
        lines_elsewhere=lines.exclude(variant_id__in=list(stock_before)).count(),
        emails_queued=OutboundEmail.objects.filter(
            order__in=orders, kind=OutboundEmail.Kind.CONFIRMATION, status=OutboundEmail.Status.QUEUED
        ).count(),
    )


def _counted(counts: dict[str, int], step: str, call: Callable[..., HttpResponse], *args) -> HttpResponse:
    with CaptureQueriesContext(connection) as queries:
        response = call(*args)
    counts[step] = len(queries)
    return response


def checkout_queries(*, product_path: str, email: str) -> dict[str, int]:
    """SQL queries of each step of one guest checkout, in-process with the test client, cache emptied first.

    Places a real order (and takes one unit of stock) in the current database.
    Stops at the first step that does not answer as a browser expects; the
    steps after it are missing from the result.
    """
    client = BenchContext.client()
    counts: dict[str, int] = {}
    cache.clear()
    try:
        page = _counted(counts, "product", client.get, product_path)
        add_form = {"variant": input_choice(page.content.decode(), "variant"), "quantity": "1"}
        if _counted(counts, "add", client.post, "/cart/add/", add_form).status_code != 302:
            return counts
        page = _counted(counts, "checkout", client.get, "/checkout/")
        content = page.content.decode()
        place_form = {
            **checkout_details(email=email),
            "checkout_token": input_value(content, "checkout_token"),
            "shipping_method": input_choice(content, "shipping_method"),
        }
        placed = _counted(counts, "place", client.post, "/checkout/", place_form)
        if placed.status_code == 302:
            _counted(counts, "confirm", client.get, placed["Location"])
    except ParseError:
        pass
    return counts


# --- The report -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def checkout_report(
    *,
    shoppers: int,
    duration: float,
    products: int,
    result: ShopperResult,
    verification: Verification | None,
    queries: dict[str, int] | None = None,
) -> str:
    """The Markdown table, the errors, the per-step figures, the database check and the goals."""
    queries = queries or {}
    seconds = result.seconds or duration
    rate = result.checkouts / seconds if seconds else 0.0
    place_p99 = percentile(result.place_ms, 99)
    table = markdown_table(
        [
            "shoppers",
            "seconds",
            "complete checkouts",
            "checkouts/s",
            "errors",
            "place-order p50 ms",
            "place-order p99 ms",
            "loop p50 ms",
            "loop p99 ms",
        ],
        [
            [
                shoppers,
                f"{seconds:.1f}",
                f"{result.checkouts:,}",
                f"{rate:.1f}",
                result.error_count,
                _ms(percentile(result.place_ms, 50)),
                _ms(place_p99),
                _ms(percentile(result.loop_ms, 50)),
                _ms(percentile(result.loop_ms, 99)),
            ]
        ],
    )
    steps = markdown_table(
        ["step", "requests answered", "p50 ms", "p99 ms", "SQL queries"],
        [
            [
                f"{step}: {STEP_LABELS[step]}",
                f"{len(result.step_ms.get(step, [])):,}",
                _ms(percentile(result.step_ms.get(step, []), 50)),
                _ms(percentile(result.step_ms.get(step, []), 99)),
                queries.get(step, "n/a"),
            ]
            for step in STEPS
        ],
    )
    client = (
        f"The shopper processes used {result.client_cpu_seconds:.1f} CPU-seconds of the "
        f"{seconds * (os.cpu_count() or 1):.0f} this machine had during the run; the rest went to "
        f"gunicorn, PostgreSQL and anything else running."
    )
    if result.error_count:
        errors = "Errors by step: " + ", ".join(
            f"{step} {result.errors[step]} (first: {result.first_errors[step]})"
            for step in STEPS
            if result.errors[step]
        )
    else:
        errors = "Errors by step: none."
    lines = [table, "", errors, "", steps, "", client, "", "Check in the benchmark database:"]
    if verification is None:
        lines.append("- n/a (no run)")
    else:
        lines += [
            f"- orders created {verification.orders:,}, successful place-order POSTs "
            f"{verification.placed:,}, equal: {_verdict(verification.orders_match)}",
            f"- stock of the {products} products went down by exactly "
            f"the {verification.units_ordered:,} units ordered: {_verdict(verification.stock_matches)}"
            + (f" ({'; '.join(verification.stock_mismatches[:5])})" if verification.stock_mismatches else "")
            + (
                f" ({verification.lines_elsewhere} order lines for other variants)"
                if verification.lines_elsewhere
                else ""
            ),
            f"- confirmation emails enqueued (not sent: no task worker runs during the bench): "
            f"{verification.emails_queued:,}",
        ]
    has_checkouts = result.checkouts > 0
    ran = has_checkouts or result.error_count > 0
    lines += [
        "",
        "Goals:",
        f"- >= {CHECKOUTS_PER_SECOND_GOAL:.0f} checkouts/s: {rate:.1f} "
        + _verdict(rate >= CHECKOUTS_PER_SECOND_GOAL if ran else None),
        f"- place-order p99 < {PLACE_ORDER_P99_GOAL_MS:.0f} ms: {_ms(place_p99)} ms "
        + _verdict(None if place_p99 is None else place_p99 < PLACE_ORDER_P99_GOAL_MS),
        f"- every step answers as expected: {result.error_count} errors "
        + _verdict(result.error_count == 0 if ran else None),
        f"- for reference, django-oscar's sandbox measured the same way here: "
        f"{OSCAR_CHECKOUTS_PER_SECOND} checkouts/s, place-order p99 {OSCAR_PLACE_ORDER_P99_MS:.0f} ms.",
    ]
    return "\n".join(lines)


def checkout_bench(context: BenchContext, *, shoppers: int, duration: float) -> str:
    """Stock the products, run the shoppers against the server, check the database, report."""
    stocked = checkout_products_prepare()
    intro = (
        f"{shoppers} guest shoppers, each a separate process with its own cookies (standard-library "
        f"HTTP client), loop for {duration:g} s: product page, add to cart, checkout form, place order "
        f"(cash on delivery, CN), confirmation page; every status is checked. A checkout is complete "
        f"when the confirmation page answers 200 and shows the order number. They cycle through "
        f"{len(stocked.paths)} products whose variants were given {STOCK:,} stock first. Each order "
        f"enqueues its confirmation email as a task in the benchmark database; no worker runs, so "
        f"none is sent."
    )
    heading = ["## Checkout throughput", "", intro, ""]
    if not stocked.paths:
        return "\n".join([*heading, "n/a: the benchmark database has no visible product in stock."])
    run = secrets.token_hex(4)
    email_prefix = f"bench-{run}-"
    plans = [
        ShopperPlan(
            port=context.port,
            product_paths=stocked.paths,
            email=f"{email_prefix}{number}@{EMAIL_DOMAIN}",
            duration=duration,
            offset=number * max(1, len(stocked.paths) // shoppers),
        )
        for number in range(shoppers)
    ]
    result = shoppers_run(plans)
    verification = checkout_verify(
        email_prefix=email_prefix, placed=result.placed, stock_before=stocked.stock_before
    )
    # After the check: this checkout takes stock too.
    queries = checkout_queries(product_path=stocked.paths[0], email=f"queries-{run}@{EMAIL_DOMAIN}")
    report = checkout_report(
        shoppers=shoppers,
        duration=duration,
        products=len(stocked.paths),
        result=result,
        verification=verification,
        queries=queries,
    )
    queries_note = (
        "SQL queries: one more checkout after the run, in-process with the Django test client on "
        "the same database, starting with an empty cache (so the product page is built, not cached)."
    )
    return "\n".join([*heading, report, "", queries_note])


def checkout_section_make(*, shoppers: int = SHOPPERS, duration: float = DURATION_SECONDS) -> Section:
    """The section for ``benchmarks.run`` with these settings."""

    def checkout_section(context: BenchContext) -> str:
        """Measure complete guest checkouts per second and the place-order POST's latency."""
        return checkout_bench(context, shoppers=shoppers, duration=duration)

    return checkout_section
