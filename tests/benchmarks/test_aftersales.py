"""The after-sales section: its bench data, the queue and pages it measures, and its report."""

import pytest
from django.db.models import Count, Sum
from django.urls import reverse

from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.rules import reason_fits_kind
from benchmarks.aftersales import (
    QUEUE_QUERIES_GOAL,
    AfterSalesBench,
    AfterSalesSeeded,
    PageBench,
    _order_pages,
    _queue,
    after_sales_demo_seed,
    after_sales_report,
)
from benchmarks.run import _arguments, sections
from benchmarks.wrk import WrkResult
from catalog.demo import demo_catalog_seed
from orders.demo_orders import demo_orders_seed
from orders.models import Order, ShipmentLine

pytestmark = pytest.mark.django_db

DELIVERED = Order.FulfilmentStatus.DELIVERED


@pytest.fixture
def seeded():
    demo_catalog_seed(products=18, processes=1)
    demo_orders_seed(orders=300)
    return after_sales_demo_seed(share=0.2)


def test_requests_go_on_delivered_orders_once_and_only_ask_for_shipped_units(seeded):
    again = after_sales_demo_seed(share=0.2)

    requests = AfterSalesRequest.objects.select_related("order")
    assert seeded.requests == requests.count() > 10
    assert seeded.lines == AfterSalesLine.objects.count()
    assert again.requests == 0
    assert {request.order.fulfilment_status for request in requests} == {DELIVERED}
    assert all(reason_fits_kind(kind=request.kind, reason=request.reason) for request in requests)
    assert len({request.kind for request in requests}) == 3
    assert all(request.created_at >= request.order.received_at for request in requests)
    asked = AfterSalesLine.objects.values("order_line").annotate(units=Sum("quantity"))
    for row in asked:
        shipped = ShipmentLine.objects.filter(order_line=row["order_line"]).aggregate(units=Sum("quantity"))
        assert row["units"] <= shipped["units"]
    refunded = AfterSalesRequest.objects.filter(status="refunded")
    assert all(request.refund_amount > 0 and request.closed_at for request in refunded)
    assert Order.objects.filter(fulfilment_status=DELIVERED, received_at__isnull=True).count() == 0


def test_the_pages_measured_are_an_order_with_two_requests_and_one_without(seeded):
    pages = dict(_order_pages())

    two = pages["delivered order with two requests"]
    none = pages["delivered order without requests"]
    assert two.after_sales_requests.count() == 2
    assert none.after_sales_requests.count() == 0
    assert Order.objects.filter(pk__in=[two.pk, none.pk], fulfilment_status=DELIVERED).count() == 2


def test_the_queue_makes_as_many_queries_for_every_state_as_for_the_open_ones(seeded):
    changelist = reverse("admin:aftersales_aftersalesrequest_changelist")
    states = AfterSalesRequest.objects.aggregate(count=Count("status", distinct=True))

    open_status, open_queries, _ms = _queue(changelist)
    all_status, all_queries, _ms = _queue(changelist + "?state=all")

    assert states["count"] > 3
    assert (open_status, all_status) == (200, 200)
    assert 0 < open_queries == all_queries <= QUEUE_QUERIES_GOAL


def _bench(**changes) -> AfterSalesBench:
    load = WrkResult(
        requests=1000, requests_per_second=250.0, p50_ms=20.0, p99_ms=60.0, non_2xx=0, socket_errors=0
    )
    values = {
        "delivered_orders": 36000,
        "orders_with_requests": 1000,
        "requests": 1150,
        "open_requests": 140,
        "request_lines": 1300,
        "seeded": AfterSalesSeeded(requests=0, lines=0, seconds=0.0),
        "orders_seconds": 0.0,
        "report_seconds": 0.8,
        "report_rows": 9800,
        "queue_rows": 140,
        "queue_queries": 8,
        "queue_all_queries": 8,
        "queue_ms": 45.0,
        "queue_status": 200,
        "pages": [
            PageBench("delivered order with two requests", "/orders/A/?token=x", 200, 14, 12, load, ""),
            PageBench(
                "delivered order without requests", "/orders/B/?token=y", 200, 9, 7, None, "wrk failed"
            ),
        ],
        "wrk": "wrk -t2 -c8 -d10s after a 2 s warm-up",
    }
    return AfterSalesBench(**{**values, **changes})


def test_the_report_judges_each_goal():
    report = after_sales_report(_bench())

    assert "| delivered demo orders / with a request | 36,000 / 1,000 |" in report
    assert "| delivered order with two requests | 200 | 14/12 | 250.0 | 20.00 | 60.00 | 0/0 |" in report
    assert "| delivered order without requests | 200 | 9/7 | n/a | n/a | n/a | wrk failed |" in report
    assert "returns report over 365 days under 2 s: 0.80 s PASS" in report
    assert "open 8, every state 8 PASS" in report
    assert "5 queries more with two requests than without (cold)" in report


def test_the_report_fails_a_queue_whose_queries_grow_with_its_rows():
    report = after_sales_report(_bench(queue_all_queries=30, report_seconds=2.5))

    assert "open 8, every state 30 FAIL" in report
    assert "2.50 s FAIL" in report


def test_the_after_sales_section_runs_when_named():
    assert [section.__name__ for section in sections(_arguments(["--sections", "aftersales"]))] == [
        "aftersales_section"
    ]
