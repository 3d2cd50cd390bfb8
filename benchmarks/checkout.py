"""The checkout section: concurrent guest shoppers buying through the whole storefront path.

Each shopper (``benchmarks.shopper``) is a separate OS process (so the client
is not bound by one GIL) with its own cookies, speaking HTTP through the
standard library only. It loops: product page, add to cart, checkout form,
place order, confirmation page, and checks every status. The same loop runs
again with a coupon code typed at checkout, and once more with the code applied
on the cart's form first, and the three are reported side by side
(``benchmarks.checkout_report``). Afterwards the benchmark database must hold
exactly one order per successful place-order POST (each of a coupon loop's with
the coupon), and stock must have gone down by exactly the quantities ordered.
"""

import multiprocessing
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from benchmarks.base import BenchContext, Section
from benchmarks.checkout_report import (
    CheckoutRun,
    Verification,
    checkout_comparison,
    checkout_report,
)
from benchmarks.open_loop_section import open_loop_section
from benchmarks.shopper import (
    COUPON_AT_CHECKOUT,
    COUPON_IN_CART,
    EMAIL_DOMAIN,
    REQUEST_TIMEOUT_SECONDS,
    ParseError,
    ShopperPlan,
    ShopperResult,
    checkout_details,
    input_choice,
    input_value,
    shopper_run,
)
from catalog.categories import category_tree_get
from catalog.models import Product, Variant
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
# The loops take turns, each its duration in this many slices, so a change in the load of a
# shared machine during the run meets them all alike.
SLICES = 2


@dataclass(frozen=True)
class CheckoutLoop:
    """One of the section's loops: its name, and the coupon code its shoppers use and where."""

    name: str
    coupon_code: str = ""  # blank: the plain loop
    coupon_at: str = COUPON_AT_CHECKOUT


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


def checkout_queries(*, product_path: str, email: str, loop: CheckoutLoop) -> dict[str, int]:
    """SQL queries of each step of one guest checkout, in-process with the test client, cache emptied first.

    Places a real order (and takes one unit of stock) in the current database, using the
    loop's coupon code where the loop does. Stops at the first step that does not answer
    as a browser expects; the steps after it are missing from the result.
    """
    client = BenchContext.client()
    counts: dict[str, int] = {}
    cache.clear()
    try:
        page = _counted(counts, "product", client.get, product_path)
        add_form = {"variant": input_choice(page.content.decode(), "variant"), "quantity": "1"}
        if _counted(counts, "add", client.post, "/cart/add/", add_form).status_code != 302:
            return counts
        if loop.coupon_code and loop.coupon_at == COUPON_IN_CART:
            applied = _counted(counts, "coupon", client.post, "/cart/coupon/", {"code": loop.coupon_code})
            if applied.status_code != 302:
                return counts
        page = _counted(counts, "checkout", client.get, "/checkout/")
        content = page.content.decode()
        place_form = {
            **checkout_details(email=email),
            "checkout_token": input_value(content, "checkout_token"),
            "shipping_method": input_choice(content, "shipping_method"),
        }
        if loop.coupon_code and loop.coupon_at == COUPON_AT_CHECKOUT:
            place_form |= {"code": loop.coupon_code, "place": "1"}
        placed = _counted(counts, "place", client.post, "/checkout/", place_form)
        if placed.status_code == 302:
            _counted(counts, "confirm", client.get, placed["Location"])
    except ParseError:
        pass
    return counts


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
    loop: CheckoutLoop,
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
            coupon_code=loop.coupon_code,
            coupon_at=loop.coupon_at,
        )
        for number in range(shoppers)
    ]
    result = shoppers_run(plans)
    verification = checkout_verify(
        email_prefix=email_prefix,
        placed=result.placed + result.placed_in_warmup,
        stock_before=stocked.stock_before,
        coupon_code=loop.coupon_code,
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


def checkout_bench(
    context: BenchContext, *, shoppers: int, duration: float, warmup: float = WARMUP_SECONDS
) -> str:
    """Stock the products, run the plain loop and the two with a coupon in turns, check, report."""
    stocked = checkout_products_prepare()
    intro = (
        f"{shoppers} guest shoppers, each a separate process with its own cookies (standard-library "
        f"HTTP client), loop for {duration:g} s after {warmup:g} s of the same loop untimed (so each "
        f"worker's cached pages and templates are built): product page, add to cart, checkout form, "
        f"place order (cash on delivery, CN), confirmation page; every status is checked. A checkout "
        f"is complete when the confirmation page answers 200 and shows the order number. They cycle through "
        f"{len(stocked.paths)} products whose variants were given {STOCK:,} stock first. Each order "
        f"enqueues its confirmation email as a task in the benchmark database; no worker runs, so "
        f"none is sent. Beside it runs the same loop with a coupon code (10% off, no limit on uses) "
        f'typed on the checkout page before pressing "Place order", and the same loop applying the '
        f"code on the cart's coupon form after adding to the cart (one request more); each order page "
        f"must show the code. The loops take turns, each in {SLICES} slices of {duration / SLICES:g} s "
        f"(the warm-up before the first), so a change in the machine's load meets them all alike."
    )
    heading = ["## Checkout throughput", "", intro, ""]
    if not stocked.paths:
        return "\n".join([*heading, "n/a: the benchmark database has no visible product in stock."])
    run = secrets.token_hex(4)
    code = checkout_coupon_prepare(code=f"BENCH-{run}".upper()).code
    loops = (
        CheckoutLoop(name="The plain loop"),
        CheckoutLoop(name=f"The loop with the code {code} typed at checkout", coupon_code=code),
        CheckoutLoop(
            name=f"The loop with the code {code} applied in the cart",
            coupon_code=code,
            coupon_at=COUPON_IN_CART,
        ),
    )
    slices: dict[CheckoutLoop, list[Slice]] = {loop: [] for loop in loops}
    for index in range(SLICES):
        for number, loop in enumerate(loops):
            slices[loop].append(
                _checkout_slice(
                    context,
                    stocked,
                    shoppers=shoppers,
                    duration=duration / SLICES,
                    warmup=warmup if index == 0 else 0.0,
                    # Each slice its own run name: "bench-<run>l0s0-" starts no other slice's emails.
                    run=f"{run}l{number}s{index}",
                    loop=loop,
                )
            )
    runs = []
    for number, loop in enumerate(loops):
        result, verification = checkout_slices_add(slices[loop])
        # After the checks: this checkout takes stock too.
        queries = checkout_queries(
            product_path=stocked.paths[0], email=f"queries-{run}-l{number}@{EMAIL_DOMAIN}", loop=loop
        )
        runs.append(CheckoutRun(result=result, verification=verification, queries=queries))
    plain, at_checkout, in_cart = runs
    sections = [*heading, checkout_comparison(plain=plain, at_checkout=at_checkout, in_cart=in_cart)]
    for loop, figures in zip(loops, runs, strict=True):
        sections += [
            "",
            f"### {loop.name}",
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
    sections += ["", open_loop_section(context, product_paths=stocked.paths, run=run, capacity=plain.rate)]
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
