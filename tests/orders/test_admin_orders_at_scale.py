"""The order list at scale: 200,000 orders, searches and filters on their indexes, no full COUNT.

The orders are built once for the module with set-based SQL (a copy of one factory order per
row of generate_series) and ANALYZEd, so the planner chooses as it would with a year of orders;
the module's transaction is rolled back at its end. The states are spread as a real shop's are:
most orders completed, a few waiting for payment, shipment or a refund.
"""

import json
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from shop.admin_lists import LONG_LIST_PER_PAGE
from shop.admin_paginator import EXACT_COUNT_LIMIT
from tests.factories import OrderFactory, StaffUserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")
ORDERS = 200_000
# No query of a page reads more than this many order rows; a full scan reads all 200,000. An exact
# count reads at most EXACT_COUNT_LIMIT; a page of a rare status (0.5% of orders) walks the
# placed-at index newest first until it has a page, about 100 / 0.005 = 20,000 entries, whatever
# the table's size (the planner's cheapest way, a few milliseconds).
ROWS_READ_LIMIT = 25_000

# Columns each copy gets of its own (g is its number in generate_series, 1 is the newest).
_COLUMNS = {
    "number": "'MP' || lpad(g::text, 8, '0')",
    "checkout_token": "md5('checkout' || g)::uuid",
    "access_token": "md5('access' || g)",
    "email": "'Buyer' || g || '@Example.com'",
    "email_canonical": "'buyer' || g || '@example.com'",
    "phone": "'+86139' || lpad(g::text, 8, '0')",
    "created_at": "now() - g * interval '2 minutes'",
    "updated_at": "now() - g * interval '2 minutes'",
    # Out of every 1,000 orders: 5 pending payment, 10 awaiting shipment, 5 partly shipped,
    # 30 shipped, 10 cancelled, 5 refunded, the rest completed.
    "payment_status": """CASE WHEN g % 1000 < 5 THEN 'unpaid' WHEN g % 1000 >= 60 AND g % 1000 < 65
                              THEN 'refunded' WHEN g % 1000 >= 50 AND g % 1000 < 60 THEN 'unpaid'
                              ELSE 'paid' END""",
    "fulfilment_status": """CASE WHEN g % 1000 < 15 OR (g % 1000 >= 50 AND g % 1000 < 65)
                                 THEN 'unfulfilled' WHEN g % 1000 < 20 THEN 'partly_shipped'
                                 WHEN g % 1000 < 50 THEN 'shipped' ELSE 'delivered' END""",
    "cancelled_at": "CASE WHEN g % 1000 >= 50 AND g % 1000 < 60 THEN now() ELSE NULL END",
}


def _order_columns() -> list[str]:
    return [field.column for field in Order._meta.concrete_fields if not field.primary_key]


@pytest.fixture(scope="module")
def orders_at_scale(django_db_setup, django_db_blocker):
    """200,000 orders (newer ones have higher ids, as placed), ANALYZEd; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        template = OrderFactory()
        columns = _order_columns()
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        values = ", ".join(
            _COLUMNS.get(column, f"t.{connection.ops.quote_name(column)}") for column in columns
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO orders_order ({quoted}) SELECT {values.replace('%', '%%')}"
                " FROM orders_order t, generate_series(%s, 1, -1) g WHERE t.id = %s",
                [ORDERS, template.pk],
            )
            cursor.execute("DELETE FROM orders_order WHERE id = %s", [template.pk])
            cursor.execute("ANALYZE orders_order")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def _order_scans(plan: dict) -> list[dict]:
    """The plan nodes that read orders_order or one of its indexes, anywhere in ``plan``."""
    index = plan.get("Index Name", "")
    found = [plan] if plan.get("Relation Name") == "orders_order" or index.startswith("orders_order") else []
    for child in plan.get("Plans", []):
        found += _order_scans(child)
    return found


def _rows_read(node: dict) -> int:
    return int(
        (
            node["Actual Rows"]
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        * node["Actual Loops"]
    )


def _page_plans(client, query: dict) -> tuple[object, list[dict]]:
    """Open the list with ``query``; EXPLAIN ANALYZE every query it ran over orders."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    scans = []
    with connection.cursor() as cursor:
        for captured in queries:
            sql = captured["sql"]
            if not sql.startswith("SELECT") or '"orders_order"' not in sql:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans += [(sql, node) for node in _order_scans(plan[0]["Plan"])]
    return response, scans


def _assert_reads_few_orders(scans: list) -> None:
    assert scans
    for sql, node in scans:
        assert node["Node Type"] != "Seq Scan", sql
        assert _rows_read(node) <= ROWS_READ_LIMIT, (sql, node)


def orders_share(assignments: str, *, oldest: int = 0, newest: int = 0) -> None:
    """Give the ``oldest`` or ``newest`` orders the same ``assignments`` (SQL), then ANALYZE."""
    direction, count = ("DESC", newest) if newest else ("ASC", oldest)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE orders_order SET {assignments} WHERE id IN"
            f" (SELECT id FROM orders_order ORDER BY created_at {direction} LIMIT %s)",
            [count],
        )
        cursor.execute("ANALYZE orders_order")


def listed_numbers(response) -> list[str]:
    return [order.number for order in response.context["cl"].result_list]


def test_the_unfiltered_list_counts_no_rows_and_says_about(orders_at_scale, staff_client):
    response, scans = _page_plans(staff_client, {})

    _assert_reads_few_orders(scans)
    assert not any("COUNT(" in sql.upper() for sql, _node in scans)
    assert response.context["cl"].paginator.count_is_estimate
    assert response.context["cl"].result_count > EXACT_COUNT_LIMIT
    page = response.content.decode()
    # Grouped in thousands, and no "Show all" link back to the same unfiltered list.
    assert re.search(r"about \d{1,3}(,\d{3})+ results", page)
    assert re.search(r"about \d{1,3}(,\d{3})+ orders", page)
    assert "Show all" not in page
    assert listed_numbers(response)[:2] == ["MP00000001", "MP00000002"]


@pytest.mark.parametrize(
    ("term", "number"),
    [("mp00123456", "MP00123456"), ("buyer777@EXAMPLE.com", "MP00000777"), ("139 0004 2000", "MP00042000")],
    ids=["number", "email", "phone"],
)
def test_each_search_reads_its_index(orders_at_scale, staff_client, term, number):
    response, scans = _page_plans(staff_client, {"q": term})

    _assert_reads_few_orders(scans)
    used = {node.get("Index Name") for _sql, node in scans}
    assert used & {"orders_order_number_key", "orders_order_email_recent", "orders_order_phone"}, used
    assert listed_numbers(response) == [number]


def test_a_regular_customers_early_orders_are_found_without_walking_the_newer_ones(
    orders_at_scale, staff_client
):
    # 2,000 orders by one customer (a business buying for years), all older than every other order:
    # the statistics then know the address is common, and an OR of the three searches beside the
    # newest-first ordering made PostgreSQL walk the placed-at index through the 198,000 newer
    # orders to reach them.
    orders_share("email = 'Regular@Example.com', email_canonical = 'regular@example.com'", oldest=2000)

    response, scans = _page_plans(staff_client, {"q": "regular@example.com"})

    _assert_reads_few_orders(scans)
    assert len(listed_numbers(response)) == LONG_LIST_PER_PAGE
    assert response.context["cl"].result_count == 2000


def test_a_phone_number_on_many_orders_is_searched_without_reading_them_all(orders_at_scale, staff_client):
    # A company's buyer's number on the newest 40,000 orders: reading and sorting every
    # match would read more orders than any page may.
    orders_share("phone = '+8613912345678'", newest=40_000)

    response, scans = _page_plans(staff_client, {"q": "139 1234 5678"})

    _assert_reads_few_orders(scans)
    assert listed_numbers(response)[:2] == ["MP00000001", "MP00000002"]
    assert response.context["cl"].paginator.count_is_estimate


@pytest.mark.parametrize("status", Order.Status.values)
def test_each_status_filter_reads_few_orders(orders_at_scale, staff_client, status):
    response, scans = _page_plans(staff_client, {"status": status})

    _assert_reads_few_orders(scans)
    assert {order.display_status for order in response.context["cl"].result_list} == {status}


@pytest.mark.parametrize(
    "query",
    [{"to_ship": "1"}, {"payment_status__exact": "refunded"}, {"fulfilment_status__exact": "shipped"}],
)
def test_the_state_filters_read_few_orders(orders_at_scale, staff_client, query):
    response, scans = _page_plans(staff_client, query)

    _assert_reads_few_orders(scans)
    assert response.context["cl"].result_list


def test_the_month_filter_reads_only_that_months_orders(orders_at_scale, staff_client):
    months = staff_client.get(CHANGELIST).context["cl"].filter_specs[-1].lookup_choices
    month = months[6][0]  # half a year ago: a full month of orders, none of them the newest

    response, scans = _page_plans(staff_client, {"month": month})

    _assert_reads_few_orders(scans)
    placed = {
        timezone.localtime(order.created_at).strftime("%Y-%m") for order in response.context["cl"].result_list
    }
    assert placed == {month}
    assert response.context["cl"].paginator.count_is_estimate


# Session, user and its two-factor device, then the page: the estimate, the count when the
# estimate is small, and the rows; a search first asks for the estimate of its matches.
@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, 5), ({"q": "MP00123456"}, 7), ({"status": "pending_payment"}, 6), ({"status": "completed"}, 5)],
    ids=["unfiltered", "searched", "small-filter", "big-filter"],
)
def test_the_change_list_takes_a_pinned_number_of_queries(
    orders_at_scale, staff_client, django_assert_num_queries, query, expected
):
    with django_assert_num_queries(expected):
        response = staff_client.get(CHANGELIST, query)

    assert response.status_code == 200
