"""The checkout section's report: one loop's table, steps and database check, and the loops compared.

Plain data in, Markdown out: ``benchmarks.checkout`` runs the shoppers and checks the
database, then hands the figures here.
"""

import os
from dataclasses import dataclass

from benchmarks.base import markdown_table
from benchmarks.shopper import STEP_LABELS, STEPS, ShopperResult, percentile

CHECKOUTS_PER_SECOND_GOAL = 40.0
PLACE_ORDER_P99_GOAL_MS = 50.0
# The loop with a coupon code typed at checkout makes at least this share of the plain loop's checkouts/s.
COUPON_LOOP_RATIO_GOAL = 0.9
# django-oscar's sandbox, measured the same way on this machine.
OSCAR_CHECKOUTS_PER_SECOND = 3.7
OSCAR_PLACE_ORDER_P99_MS = 262.0


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


def _share(run: CheckoutRun, plain: CheckoutRun) -> float:
    return run.rate / plain.rate if plain.rate else 0.0


def checkout_comparison(
    *, plain: CheckoutRun, at_checkout: CheckoutRun, in_cart: CheckoutRun | None = None
) -> str:
    """The loops side by side, and whether the one with a code typed at checkout keeps up with the plain one.

    ``in_cart``, the loop applying the code on the cart's form first (one request more per
    checkout), is shown beside them for comparison, with no goal of its own.
    """
    loops = [("plain", plain), ("code typed at checkout", at_checkout)]
    if in_cart is not None:
        loops.append(("code applied in the cart first", in_cart))
    rows = []
    for name, figures in loops:
        result = figures.result
        rows.append(
            [
                name,
                f"{result.checkouts:,}",
                f"{figures.rate:.1f}",
                f"{_share(figures, plain):.1%}",
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
            "of the plain loop's",
            "errors",
            "place-order p50 ms",
            "place-order p99 ms",
            "loop p50 ms",
            "loop p99 ms",
            "place-order SQL queries",
        ],
        rows,
    )
    ran = plain.rate > 0 and at_checkout.result.error_count == 0 and at_checkout.result.checkouts > 0
    ratio = _share(at_checkout, plain)
    goal = (
        f"- the loop with a coupon code (typed at checkout) makes >= {COUPON_LOOP_RATIO_GOAL:.0%} of the "
        f"plain loop's checkouts/s: {ratio:.1%} " + _verdict(ratio >= COUPON_LOOP_RATIO_GOAL if ran else None)
    )
    return "\n".join([table, "", goal])
