import os
import time
from collections import Counter
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from benchmarks.open_loop import (
    OpenLoopResult,
    OpenLoopRun,
    latency_from_schedule_ms,
    open_loop_report,
    open_loop_run,
    process_tree_cpu_seconds,
    schedule_offsets,
)
from catalog.models import Variant
from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, ShippingMethodFactory, VariantFactory


def test_the_schedule_is_evenly_spaced_at_the_rate_for_the_duration():
    assert schedule_offsets(rate=4, duration=1) == (0.0, 0.25, 0.5, 0.75)
    assert len(schedule_offsets(rate=20, duration=20)) == 400
    assert schedule_offsets(rate=0, duration=10) == ()


def test_a_late_start_counts_its_wait_in_the_latency():
    # Due at 10.0 s, started at 10.3 s (every worker was busy), answered in 12 ms: 312 ms as felt.
    assert latency_from_schedule_ms(scheduled=10.0, started=10.3, service_ms=12.0) == pytest.approx(312.0)


def test_an_early_or_punctual_start_adds_nothing():
    assert latency_from_schedule_ms(scheduled=10.0, started=10.0, service_ms=12.0) == 12.0
    assert latency_from_schedule_ms(scheduled=10.0, started=9.9, service_ms=12.0) == 12.0


def test_cpu_time_of_a_process_tree_grows_with_work():
    before = process_tree_cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass

    assert process_tree_cpu_seconds(os.getpid()) - before >= 0.15


def test_the_report_shows_rates_latencies_cpu_and_judges_half_capacity():
    result = OpenLoopResult(
        checkouts=40,
        placed=40,
        errors=Counter({"place": 1}),
        place_ms=[20.0] * 39 + [70.0],
        loop_ms=[90.0] * 40,
    )
    runs = [
        OpenLoopRun("half capacity", 12.5, result, seconds=4.0, server_cpu_seconds=1.6),
        OpenLoopRun("20/s", 20.0, OpenLoopResult(), seconds=1.0, server_cpu_seconds=None),
    ]

    report = open_loop_report(runs, capacity=25.0, place_goal_ms=50.0)

    assert "| half capacity | 12.5 | 10.0 | 40 | 20.0 | 70.0 | 90.0 | place 1 | 0 | 40.0 |" in report
    assert "| 20/s | 20.0 | 0.0 | 0 | n/a | n/a | n/a | 0 | 0 | n/a |" in report
    assert (
        "place-order p99 < 50 ms at half capacity (12.5/s, from the closed loop's 25.0/s): 70.0 ms FAIL"
        in report
    )


@pytest.mark.django_db(transaction=True)
def test_checkouts_due_at_a_fixed_rate_are_placed_by_the_worker_pool(live_server):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"))
    variant = VariantFactory(product=ProductFactory(category=CategoryFactory()), stock=10)
    address = urlsplit(live_server.url)

    result, seconds = open_loop_run(
        port=address.port,
        host=address.hostname,
        product_paths=[variant.product.get_absolute_url()],
        email="bench-open@example.com",
        rate=4,
        duration=0.75,
        workers=2,
    )

    assert (result.checkouts, result.placed, sum(result.errors.values()), result.late) == (3, 3, 0, 0)
    assert len(result.place_ms) == 3 and len(result.loop_ms) == 3
    assert seconds > 0.5  # the last one was due at 0.5 s
    assert Order.objects.filter(email="bench-open@example.com").count() == 3
    assert Variant.objects.get(pk=variant.pk).stock == 7
