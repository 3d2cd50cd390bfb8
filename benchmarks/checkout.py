"""The checkout section: concurrent guest shoppers buying through the whole storefront path.

Each shopper (``benchmarks.shopper``) is a separate OS process (so the client
is not bound by one GIL) with its own cookies, speaking HTTP through the
standard library only. It loops: product page, add to cart, checkout form,
place order, confirmation page, and checks every status. Then the same loop runs
again with a coupon code applied to each cart, and the two are reported side by
side. Afterwards the benchmark database must hold exactly one order per
successful place-order POST (each of the second loop's with the coupon), and
stock must have gone down by exactly the quantities ordered.
"""

import multiprocessing
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from benchmarks.base import BenchContext, Section, markdown_table
from benchmarks.shopper import (
    EMAIL_DOMAIN,
    REQUEST_TIMEOUT_SECONDS,
    STEP_LABELS,
    STEPS,
    ParseError,
    ShopperPlan,
    ShopperResult,
    checkout_details,
    input_choice,
    input_value,
    percentile,
    shopper_run,
)
from catalog.models import Product, Variant
from catalog.selectors import category_tree_get
from catalog.services import catalog_mark_changed
from orders.models import Order, OrderLine, OutboundEmail
from promotions.models import Coupon

SHOPPERS = 8
DURATION_SECONDS = 60.0
# Before measuring, the shoppers run the same loop this long (not timed, still checked), so each
# gunicorn worker has built its cached pages and compiled its templates: the run measures the
# shop as it serves all day, not its first seconds (the catalogue section warms up too).
WARMUP_SECONDS = 5.0
PRODUCTS = 50
STOCK = 1_000_000
CHECKOUTS_PER_SECOND_GOAL = 40.0
PLACE_ORDER_P99_GOAL_MS = 50.0
# The loop with a coupon applied to each cart makes at least this share of the plain loop's checkouts/s.
COUPON_LOOP_RATIO_GOAL = 0.9
# The two loops take turns, each its duration in this many slices, so a change in the load of a
# shared machine during the run meets both alike.
SLICES = 2
# django-oscar's sandbox, measured the same way on this machine.
OSCAR_CHECKOUTS_PER_SECOND = 3.7
OSCAR_PLACE_ORDER_P99_MS = 262.0


def shoppers_run(plans: Sequence[ShopperPlan]) -> ShopperResult:
    """Run each plan in its own process at the same time and merge what they measured.

    The children are spawned, not forked: they use only the standard library
    (``benchmarks.shopper``), and a fork would copy whatever lock another thread
    of this process held at that moment (a live test server writing its log),
    leaving a child blocked on it for good.
    """
    longest = max(plan.warmup + plan.duration for plan in plans)
    context = multiprocessing.get_context("spawn")
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


def checkout_stock_now(stocked: StockedProducts) -> StockedProducts:
    """The same products with their variants' stock as it is now (before another slice of the run)."""
    variants = Variant.objects.filter(pk__in=list(stocked.stock_before))
    return StockedProducts(paths=stocked.paths, stock_before=dict(variants.values_list("pk", "stock")))


def checkout_coupon_prepare(*, code: str) -> Coupon:
    """A coupon for the loop with a coupon: 10% off everything, no limit on uses, no dates.

    For the benchmark database only; made once per run (the code names the run).
    """
    coupon, _created = Coupon.objects.get_or_create(
        code=code, defaults={"kind": Coupon.Kind.PERCENTAGE, "value": 10, "campaign": "bench"}
    )
    return coupon


@dataclass(frozen=True)
class Verification:
    orders: int  # orders the shoppers' emails placed
    placed: int  # successful place-order POSTs
    units_ordered: int
    stock_mismatches: list[str]  # variants whose stock moved by other than the ordered quantity
    lines_elsewhere: int  # order lines for variants outside the stocked set
    emails_queued: int  # confirmation emails recorded and enqueued, not sent
    discounted: int | None = None  # in the loop with a coupon: orders that got it

    @property
    def orders_match(self) -> bool:
        return self.orders == self.placed and self.discounted in (None, self.orders)

    @property
    def stock_matches(self) -> bool:
        return not self.stock_mismatches and self.lines_elsewhere == 0


def checkout_verify(
    *, email_prefix: str, placed: int, stock_before: dict[int, int], coupon_code: str = ""
) -> Verification:
    """Compare what the database holds after the run with what the shoppers saw (and the coupon applied)."""
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
        discounted=orders.filter(discounts__coupon__code=coupon_code).count() if coupon_code else None,
    )


def _counted(counts: dict[str, int], step: str, call: Callable[..., HttpResponse], *args) -> HttpResponse:
    with CaptureQueriesContext(connection) as queries:
        response = call(*args)
    counts[step] = len(queries)
    return response


def checkout_queries(*, product_path: str, email: str, coupon_code: str = "") -> dict[str, int]:
    """SQL queries of each step of one guest checkout, in-process with the test client, cache emptied first.

    Places a real order (and takes one unit of stock) in the current database, with
    ``coupon_code`` applied to the cart when given. Stops at the first step that does
    not answer as a browser expects; the steps after it are missing from the result.
    """
    client = BenchContext.client()
    counts: dict[str, int] = {}
    cache.clear()
    try:
        page = _counted(counts, "product", client.get, product_path)
        add_form = {"variant": input_choice(page.content.decode(), "variant"), "quantity": "1"}
        if _counted(counts, "add", client.post, "/cart/add/", add_form).status_code != 302:
            return counts
        if coupon_code:
            applied = _counted(counts, "coupon", client.post, "/cart/coupon/", {"code": coupon_code})
            if applied.status_code != 302:
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
            f"{verification.placed:,} (warm-up included), equal: {_verdict(verification.orders_match)}",
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
        if verification.discounted is not None:
            lines.append(
                f"- orders with the coupon's discount: {verification.discounted:,} "
                f"of {verification.orders:,}: " + _verdict(verification.discounted == verification.orders)
            )
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


@dataclass(frozen=True)
class CheckoutRun:
    """One loop's figures: what the shoppers measured, the database check, the queries per step."""

    result: ShopperResult
    verification: Verification
    queries: dict[str, int]

    @property
    def rate(self) -> float:
        seconds = self.result.seconds
        return self.result.checkouts / seconds if seconds else 0.0


# What one slice of a loop measured, and the database check after it.
Slice = tuple[ShopperResult, Verification]


def _checkout_slice(
    context: BenchContext,
    stocked: StockedProducts,
    *,
    shoppers: int,
    duration: float,
    warmup: float,
    run: str,
    coupon_code: str = "",
) -> Slice:
    """One slice of a loop: the shoppers for ``duration`` (after ``warmup``), then the database check."""
    stocked = checkout_stock_now(stocked)
    email_prefix = f"bench-{run}-"
    plans = [
        ShopperPlan(
            port=context.port,
            product_paths=stocked.paths,
            email=f"{email_prefix}{number}@{EMAIL_DOMAIN}",
            duration=duration,
            warmup=warmup,
            offset=number * max(1, len(stocked.paths) // shoppers),
            coupon_code=coupon_code,
        )
        for number in range(shoppers)
    ]
    result = shoppers_run(plans)
    verification = checkout_verify(
        email_prefix=email_prefix,
        placed=result.placed + result.placed_in_warmup,
        stock_before=stocked.stock_before,
        coupon_code=coupon_code,
    )
    return result, verification


def checkout_slices_add(slices: Sequence[Slice]) -> Slice:
    """A loop's slices as one: counts and times together, the seconds one after another."""
    results = [result for result, _verification in slices]
    verifications = [verification for _result, verification in slices]
    result = ShopperResult.merge(results)
    result.seconds = sum(part.seconds for part in results)
    discounted = [verification.discounted for verification in verifications]
    return result, Verification(
        orders=sum(verification.orders for verification in verifications),
        placed=sum(verification.placed for verification in verifications),
        units_ordered=sum(verification.units_ordered for verification in verifications),
        stock_mismatches=[
            mismatch for verification in verifications for mismatch in verification.stock_mismatches
        ],
        lines_elsewhere=sum(verification.lines_elsewhere for verification in verifications),
        emails_queued=sum(verification.emails_queued for verification in verifications),
        discounted=None if None in discounted else sum(discounted),
    )


def checkout_comparison(*, plain: CheckoutRun, with_coupon: CheckoutRun) -> str:
    """The two loops side by side, and whether the one with a coupon keeps up."""
    rows = []
    for name, figures in (("plain", plain), ("with a coupon", with_coupon)):
        result = figures.result
        rows.append(
            [
                name,
                f"{result.checkouts:,}",
                f"{figures.rate:.1f}",
                result.error_count,
                _ms(percentile(result.place_ms, 50)),
                _ms(percentile(result.place_ms, 99)),
                _ms(percentile(result.loop_ms, 50)),
                _ms(percentile(result.loop_ms, 99)),
                figures.queries.get("place", "n/a"),
            ]
        )
    table = markdown_table(
        [
            "loop",
            "complete checkouts",
            "checkouts/s",
            "errors",
            "place-order p50 ms",
            "place-order p99 ms",
            "loop p50 ms",
            "loop p99 ms",
            "place-order SQL queries",
        ],
        rows,
    )
    ran = plain.rate > 0 and with_coupon.result.error_count == 0 and with_coupon.result.checkouts > 0
    ratio = with_coupon.rate / plain.rate if plain.rate else 0.0
    goal = (
        f"- the loop with a coupon makes >= {COUPON_LOOP_RATIO_GOAL:.0%} of the plain loop's checkouts/s: "
        f"{ratio:.1%} " + _verdict(ratio >= COUPON_LOOP_RATIO_GOAL if ran else None)
    )
    return "\n".join([table, "", goal])


def checkout_bench(
    context: BenchContext, *, shoppers: int, duration: float, warmup: float = WARMUP_SECONDS
) -> str:
    """Stock the products, run the plain loop and the one with a coupon in turns, check, report."""
    stocked = checkout_products_prepare()
    intro = (
        f"{shoppers} guest shoppers, each a separate process with its own cookies (standard-library "
        f"HTTP client), loop for {duration:g} s after {warmup:g} s of the same loop untimed (so each "
        f"worker's cached pages and templates are built): product page, add to cart, checkout form, "
        f"place order (cash on delivery, CN), confirmation page; every status is checked. A checkout "
        f"is complete when the confirmation page answers 200 and shows the order number. They cycle through "
        f"{len(stocked.paths)} products whose variants were given {STOCK:,} stock first. Each order "
        f"enqueues its confirmation email as a task in the benchmark database; no worker runs, so "
        f"none is sent. Beside it runs the same loop applying a coupon code (10% off, no limit on "
        f"uses) to each cart after adding to it, whose order page must show the code. The two loops "
        f"take turns, each in {SLICES} slices of {duration / SLICES:g} s (the warm-up before the first), "
        f"so a change in the machine's load meets both alike."
    )
    heading = ["## Checkout throughput", "", intro, ""]
    if not stocked.paths:
        return "\n".join([*heading, "n/a: the benchmark database has no visible product in stock."])
    run = secrets.token_hex(4)
    coupon = checkout_coupon_prepare(code=f"BENCH-{run}".upper())
    loops = {"plain": "", "coupon": coupon.code}
    slices: dict[str, list[Slice]] = {name: [] for name in loops}
    for index in range(SLICES):
        for name, code in loops.items():
            slices[name].append(
                _checkout_slice(
                    context,
                    stocked,
                    shoppers=shoppers,
                    duration=duration / SLICES,
                    warmup=warmup if index == 0 else 0.0,
                    # Each slice its own run name: "bench-<run>p0-" starts no other slice's emails.
                    run=f"{run}{name[0]}{index}",
                    coupon_code=code,
                )
            )
    runs = {}
    for name, code in loops.items():
        result, verification = checkout_slices_add(slices[name])
        # After the checks: this checkout takes stock too.
        queries = checkout_queries(
            product_path=stocked.paths[0], email=f"queries-{run}-{name}@{EMAIL_DOMAIN}", coupon_code=code
        )
        runs[name] = CheckoutRun(result=result, verification=verification, queries=queries)
    plain, with_coupon = runs["plain"], runs["coupon"]
    sections = [
        *heading,
        checkout_comparison(plain=plain, with_coupon=with_coupon),
    ]
    reports = (("The plain loop", plain), (f"The loop with the coupon {coupon.code}", with_coupon))
    for title, figures in reports:
        sections += [
            "",
            f"### {title}",
            "",
            checkout_report(
                shoppers=shoppers,
                duration=duration,
                products=len(stocked.paths),
                result=figures.result,
                verification=figures.verification,
                queries=figures.queries,
            ),
        ]
    queries_note = (
        "SQL queries: one more checkout of each loop after the run, in-process with the Django test "
        "client on the same database, starting with an empty cache (so the product page is built, "
        "not cached)."
    )
    return "\n".join([*sections, "", queries_note])


def checkout_section_make(
    *, shoppers: int = SHOPPERS, duration: float = DURATION_SECONDS, warmup: float = WARMUP_SECONDS
) -> Section:
    """The section for ``benchmarks.run`` with these settings."""

    def checkout_section(context: BenchContext) -> str:
        """Measure complete guest checkouts per second and the place-order POST's latency."""
        return checkout_bench(context, shoppers=shoppers, duration=duration, warmup=warmup)

    return checkout_section
