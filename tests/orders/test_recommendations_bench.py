"""The benchmark's recommendations section: seeding order lines once and its report."""

import pytest

from benchmarks.recommendations import RecommendationsBench, demo_orders_ensure, recommendations_report
from benchmarks.wrk import WrkResult
from orders.models import Order, OrderLine
from orders.recommendations import RecommendationsComputed
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def bench(**overrides) -> RecommendationsBench:
    values = {
        "products": 10_000,
        "paid_orders": 40_000,
        "paid_lines": 1_000_500,
        "seeded_seconds": 0.0,
        "computed": RecommendationsComputed(
            pairs=95_000, products=9_800, popular_products=9_000, seconds=4.25
        ),
        "again_seconds": 4.0,
        "rss_before_mb": 120.0,
        "rss_after_mb": 121.0,
        "python_peak_mb": 0.4,
        "dead_rows": 0,
        "page": "/products/tea/",
        "queries_cold": 6,
        "queries_warm": 1,
        "load": WrkResult(
            requests=9000, requests_per_second=900.0, p50_ms=8.0, p99_ms=20.0, non_2xx=0, socket_errors=0
        ),
        "error": "",
    }
    return RecommendationsBench(**(values | overrides))


def test_demo_orders_are_added_until_there_are_enough_lines_and_only_once():
    for number in range(8):
        VariantFactory(product=ProductFactory(name=f"Tea {number}"))

    demo_orders_ensure(lines=1500)
    lines = OrderLine.objects.count()
    seconds_again = demo_orders_ensure(lines=1500)

    assert lines >= 1500
    assert OrderLine.objects.count() == lines
    assert seconds_again == 0.0


def test_past_the_generated_orders_copies_buy_other_products_in_the_same_patterns(monkeypatch):
    for number in range(8):
        VariantFactory(product=ProductFactory(name=f"Tea {number}"))
    monkeypatch.setattr("benchmarks.recommendations.TEMPLATE_ORDERS", 20)

    demo_orders_ensure(lines=200)

    copies = Order.objects.filter(number__startswith="DEMOC").prefetch_related("lines__variant")
    templates = {
        order.pk: order
        for order in Order.objects.exclude(number__startswith="DEMOC").prefetch_related("lines")
    }
    assert OrderLine.objects.count() >= 200
    assert len(templates) == 20
    for copy in copies:
        template = templates[int(copy.number[-7:])]
        lines = list(copy.lines.all())
        assert sorted(line.quantity for line in lines) == sorted(
            line.quantity for line in template.lines.all()
        )
        assert {line.product_name for line in lines} != {line.product_name for line in template.lines.all()}
        assert all(line.product_name == line.variant.product.name for line in lines)
        assert all(line.line_total == line.unit_price * line.quantity for line in lines)
        assert copy.payment_status == Order.PaymentStatus.PAID


def test_without_products_seeding_gives_up_instead_of_looping():
    demo_orders_ensure(lines=100)

    assert OrderLine.objects.count() == 0


def test_the_report_states_the_goals():
    report = recommendations_report(bench())

    assert report.startswith("## Recommendations")
    assert (
        "| precompute (SQL into fresh tables, swapped in), first / second run | 4.25 s / 4.00 s |" in report
    )
    assert (
        "| process peak RSS before / after; Python peak (tracemalloc) | 120 MB / 121 MB; 0.4 MB |" in report
    )
    assert "- at least 1,000,000 paid order lines: 1,000,500 PASS" in report
    assert "- precompute under 10 s for 1,000,000 lines, flat memory: 4.25 s, RSS +1 MB PASS" in report
    assert "- no dead rows after a second run: 0 PASS" in report
    assert "- product page with recommendations at most 6 queries cold: 6 PASS" in report
    assert "900.0, 8.00 ms, 20.00 ms" in report


def test_the_report_marks_a_slow_precompute_and_a_failed_load():
    slow = RecommendationsComputed(pairs=1, products=1, popular_products=1, seconds=75.0)

    report = recommendations_report(
        bench(computed=slow, dead_rows=12, load=None, error="wrk is not installed")
    )

    assert "- precompute under 10 s for 1,000,000 lines, flat memory: 75.00 s, RSS +1 MB FAIL" in report
    assert "- no dead rows after a second run: 12 FAIL" in report
    assert "| that page under load | wrk is not installed |" in report
