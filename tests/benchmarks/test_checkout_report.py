"""The checkout section's report: one loop's figures and goals, and the loops compared."""

import pytest

from benchmarks.checkout import checkout_slices_add
from benchmarks.checkout_report import CheckoutRun, Verification, checkout_comparison, checkout_report
from benchmarks.shopper import ShopperResult


def test_the_report_judges_the_goals_and_the_database_check():
    result = ShopperResult(
        checkouts=450,
        placed=450,
        place_ms=[10.0] * 98 + [40.0, 60.0],
        loop_ms=[100.0] * 100,
        step_ms={"place": [10.0] * 100},
        seconds=10.0,
    )
    verification = Verification(
        orders=450, placed=450, units_ordered=450, stock_mismatches=[], lines_elsewhere=0, emails_queued=450
    )

    report = checkout_report(
        shoppers=8,
        duration=10,
        products=50,
        result=result,
        verification=verification,
        queries={"product": 5, "place": 21},
    )

    assert "| 8 | 10.0 | 450 | 45.0 | 0 | 10.0 | 40.0 | 100.0 | 100.0 |" in report
    assert "| place: POST /checkout/ (place order) | 100 | 10.0 | 10.0 | 21 |" in report
    assert "| confirm: GET order page | 0 | n/a | n/a | n/a |" in report
    assert "orders created 450, successful place-order POSTs 450 (warm-up included), equal: PASS" in report
    assert "went down by exactly the 450 units ordered: PASS" in report
    assert "- >= 40 checkouts/s: 45.0 PASS" in report
    assert "- place-order p99 < 50 ms: 40.0 ms PASS" in report
    assert "every step answers as expected: 0 errors PASS" in report


def test_the_report_shows_errors_and_lost_orders():
    result = ShopperResult(checkouts=10, placed=12, place_ms=[80.0] * 12, seconds=10.0)
    result.errors["confirm"] += 2
    result.first_errors["confirm"] = "answered 500, expected 200"
    verification = Verification(
        orders=11,
        placed=12,
        units_ordered=11,
        stock_mismatches=["variant 3: 100 - 90 != 9 ordered"],
        lines_elsewhere=0,
        emails_queued=11,
    )

    report = checkout_report(shoppers=8, duration=10, products=50, result=result, verification=verification)

    assert "Errors by step: confirm 2 (first: answered 500, expected 200)" in report
    assert "orders created 11, successful place-order POSTs 12 (warm-up included), equal: FAIL" in report
    assert "ordered: FAIL (variant 3: 100 - 90 != 9 ordered)" in report
    assert "- >= 40 checkouts/s: 1.0 FAIL" in report
    assert "- place-order p99 < 50 ms: 80.0 ms FAIL" in report
    assert "every step answers as expected: 2 errors FAIL" in report


def _run(*, checkouts: int, seconds: float = 10.0, errors: int = 0, place_queries: int = 15) -> CheckoutRun:
    result = ShopperResult(
        checkouts=checkouts, placed=checkouts, place_ms=[20.0] * 10, loop_ms=[90.0] * 10, seconds=seconds
    )
    if errors:
        result.errors["coupon"] += errors
    verification = Verification(
        orders=checkouts,
        placed=checkouts,
        units_ordered=checkouts,
        stock_mismatches=[],
        lines_elsewhere=0,
        emails_queued=checkouts,
    )
    return CheckoutRun(result=result, verification=verification, queries={"place": place_queries})


@pytest.mark.parametrize(
    ("at_checkout", "verdict"),
    [(_run(checkouts=450, place_queries=22), "90.0% PASS"), (_run(checkouts=449), "89.8% FAIL")],
)
def test_the_comparison_judges_the_loop_with_a_code_typed_at_checkout_against_the_plain_one(
    at_checkout, verdict
):
    report = checkout_comparison(plain=_run(checkouts=500), at_checkout=at_checkout)

    assert "| plain | 500 | 50.0 | 100.0% | 0 | 20.0 | 20.0 | 90.0 | 90.0 | 15 |" in report
    assert (
        "the loop with a coupon code (typed at checkout) makes >= 90% of the plain loop's checkouts/s: "
        + verdict
    ) in report


def test_the_loop_applying_the_code_in_the_cart_is_shown_beside_them_without_a_goal():
    report = checkout_comparison(
        plain=_run(checkouts=500),
        at_checkout=_run(checkouts=460, place_queries=21),
        in_cart=_run(checkouts=400, place_queries=20),
    )

    assert "| code typed at checkout | 460 | 46.0 | 92.0% | 0 |" in report
    assert "| code applied in the cart first | 400 | 40.0 | 80.0% | 0 |" in report
    assert report.count("PASS") == 1


def test_a_loop_with_a_coupon_that_errs_is_no_pass():
    report = checkout_comparison(plain=_run(checkouts=500), at_checkout=_run(checkouts=480, errors=3))

    assert "checkouts/s: 96.0% n/a" in report


def test_the_report_counts_the_orders_that_got_the_coupon():
    verification = Verification(
        orders=10,
        placed=10,
        units_ordered=10,
        stock_mismatches=[],
        lines_elsewhere=0,
        emails_queued=10,
        discounted=9,
    )

    report = checkout_report(
        shoppers=1,
        duration=10,
        products=1,
        result=ShopperResult(checkouts=10, seconds=10.0),
        verification=verification,
    )

    assert "orders with the coupon's discount: 9 of 10: FAIL" in report
    assert "equal: FAIL" in report


def test_a_loops_slices_add_up_one_after_another():
    first = _run(checkouts=100, seconds=30.0)
    second = _run(checkouts=120, seconds=30.5)
    second_verification = Verification(
        orders=120,
        placed=120,
        units_ordered=120,
        stock_mismatches=["variant 3"],
        lines_elsewhere=0,
        emails_queued=120,
        discounted=120,
    )

    result, verification = checkout_slices_add(
        [(first.result, first.verification), (second.result, second_verification)]
    )

    assert (result.checkouts, result.seconds, len(result.place_ms)) == (220, 60.5, 20)
    assert (verification.orders, verification.placed, verification.stock_mismatches) == (
        220,
        220,
        ["variant 3"],
    )
    assert verification.discounted is None  # the first slice did not count it
