"""The returns report: the same rows as a plain count of the period's lines, in one query, and a
short period read by the orders' creation index at scale, not by every order line.

The year of orders for the plan is built with set-based SQL (copies of one factory order and
line per row of generate_series) and ANALYZEd, so the planner chooses as it would in a shop.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.selectors import RETURN_REPORT_SQL, return_report, return_report_params
from catalog.models import Product, Variant
from orders.models import Order, OrderLine
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

REASONS = ["changed_mind", "wrong_size", "faulty", "damaged"]
STATUSES = ["requested", "approved", "refunded", "rejected", "withdrawn", "closed"]


def _plain_report(*, start, end) -> dict[tuple[int, str], tuple[str, int, int, dict[str, int]]]:
    """The report counted line by line in Python: {(product id or 0, name if no product): row}."""
    rows: dict[tuple[int, str], list] = {}

    def key_of(line: OrderLine) -> tuple[int, str]:
        return (line.variant.product_id, "") if line.variant else (0, line.product_name)

    def row_of(line: OrderLine) -> list:
        name = line.variant.product.name if line.variant else line.product_name
        return rows.setdefault(key_of(line), [name, 0, 0, {}])

    in_period = {"created_at__gte": start, "created_at__lt": end, "cancelled_at__isnull": True}
    for line in OrderLine.objects.filter(order__in=Order.objects.filter(**in_period)).select_related(
        "variant__product"
    ):
        row_of(line)[1] += line.quantity
    asked = AfterSalesLine.objects.filter(request__order__in=Order.objects.filter(**in_period)).exclude(
        request__status__in=["rejected", "withdrawn"]
    )
    for asked_line in asked.select_related("request", "order_line__variant__product"):
        row = row_of(asked_line.order_line)
        row[2] += asked_line.quantity
        reason = asked_line.request.reason
        row[3][reason] = row[3].get(reason, 0) + asked_line.quantity
    return {key: tuple(row) for key, row in rows.items()}


@pytest.fixture
def two_months_of_orders():
    """300 orders over 60 days on 12 products (two of one name, one renamed since, one variant
    deleted since), some cancelled, and requests of every reason and state on a third of them."""
    products = [ProductFactory(name=f"Product {n % 10}") for n in range(12)]
    variants = [VariantFactory(product=product, price=Decimal("10.00")) for product in products]
    variants.append(VariantFactory(product=products[0], price=Decimal("12.00")))
    now = timezone.now()
    for n in range(300):
        order = OrderFactory()
        placed = now - timedelta(days=n % 60, hours=n % 7)
        Order.objects.filter(pk=order.pk).update(
            created_at=placed, cancelled_at=placed if n % 17 == 0 else None
        )
        lines = [
            OrderLineFactory(
                order=order, variant=variants[(n + step * 5) % len(variants)], quantity=1 + n % 3
            )
            for step in range(1 + n % 3)
        ]
        if n % 3 == 0:
            request = AfterSalesRequest.objects.create(
                number=f"AS{n:06d}",
                order=order,
                kind="return",
                reason=REASONS[n % len(REASONS)],
                status=STATUSES[n % len(STATUSES)],
            )
            for line in lines[: 1 + n % 2]:
                AfterSalesLine.objects.create(
                    request=request, order_line=line, quantity=1 + n % line.quantity
                )
    Product.objects.filter(pk=products[3].pk).update(name="Product renamed")
    OrderLine.objects.filter(variant=variants[7]).update(variant=None, product_name="Gone product")
    Variant.objects.filter(pk=variants[7].pk).delete()
    return now


def test_the_report_has_the_rows_of_a_plain_count_of_the_periods_lines(two_months_of_orders):
    start, end = two_months_of_orders - timedelta(days=30), two_months_of_orders - timedelta(days=2)

    report = return_report(start=start, end=end)

    expected = _plain_report(start=start, end=end)
    assert {
        (row.product_id or 0, "" if row.product_id else row.product_name): (
            row.product_name,
            row.sold,
            row.returned,
            row.reasons,
        )
        for row in report
    } == expected
    assert len(report) == len(expected)
    assert any(row.product_name == "Gone product" and row.product_id is None for row in report)
    assert any(row.product_name == "Product renamed" for row in report)
    assert sum(row.returned for row in report) > 0


def test_the_report_goes_by_rate_then_units_asked_back_then_name_then_product(two_months_of_orders):
    for name in ["Zed", "Alpha", "Product 1", "Éclair", "茶"]:
        OrderLineFactory(variant=VariantFactory(product=ProductFactory(name=name)), quantity=2)

    report = return_report(
        start=two_months_of_orders - timedelta(days=60), end=two_months_of_orders + timedelta(days=1)
    )

    order = [(-row.rate, -row.returned, row.product_name, row.product_id or 0) for row in report]
    assert order == sorted(order)
    assert [row.product_name for row in report if not row.returned] == [
        "Alpha",
        "Product 1",
        "Zed",
        "Éclair",
        "茶",
    ]
    assert report[0].rate > report[-1].rate == 0


def test_the_report_is_one_query_whatever_the_number_of_products(
    two_months_of_orders, django_assert_num_queries
):
    with django_assert_num_queries(1):
        report = return_report(
            start=two_months_of_orders - timedelta(days=60), end=two_months_of_orders + timedelta(days=1)
        )

    assert len(report) == 12


def test_an_empty_period_has_no_rows(two_months_of_orders):
    assert (
        return_report(
            start=two_months_of_orders + timedelta(days=1), end=two_months_of_orders + timedelta(days=2)
        )
        == []
    )


# The plan at scale: 40,000 orders over a year with 3 lines each, ANALYZEd. (A long period reads
# most lines anyway: there a hash join over one scan of the lines is the cheaper plan.)
ORDERS = 40_000


def _copy_rows(table: str, model, template_pk: int, columns: dict[str, str], source: str, where="") -> None:
    """INSERT ... SELECT copies of one row, with ``columns`` computed per row of ``source``."""
    names = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    values = ", ".join(columns.get(name, f"t.{connection.ops.quote_name(name)}") for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {values}"
            f" FROM {table} t, {source} WHERE t.id = {template_pk} {where}"
        )


@pytest.fixture
def year_of_orders():
    variant = VariantFactory()
    template = OrderLineFactory(variant=variant)
    _copy_rows(
        "orders_order",
        Order,
        template.order_id,
        {
            "number": "'MP' || lpad(g::text, 8, '0')",
            "checkout_token": "md5('checkout' || g)::uuid",
            "access_token": "md5('access' || g)",
            "created_at": f"now() - g * interval '{365 * 24 * 60 // ORDERS} minutes'",
        },
        f"generate_series({ORDERS}, 1, -1) g",
    )
    _copy_rows(
        "orders_orderline",
        OrderLine,
        template.pk,
        {"order_id": "o.id"},
        "orders_order o, generate_series(1, 3) n",
        f"AND o.id <> {template.order_id}",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
        cursor.execute("ANALYZE orders_orderline")
    return timezone.now()


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def test_a_days_report_reads_its_orders_and_lines_by_index_not_every_order_line(year_of_orders):
    params = return_report_params(start=year_of_orders - timedelta(days=1), end=year_of_orders)

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + RETURN_REPORT_SQL, params)
        raw = cursor.fetchone()[0]
    nodes = list(_plan_nodes((raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]))

    scans = {(node["Node Type"], node.get("Relation Name")) for node in nodes}
    assert ("Seq Scan", "orders_orderline") not in scans
    assert ("Seq Scan", "orders_order") not in scans
    assert any("created_at" in node.get("Index Cond", "") for node in nodes if "Index Name" in node)
    lines_read = sum(
        (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        for node in nodes
        if node.get("Relation Name") == "orders_orderline"
    )
    # A day of the year is about 110 orders, 330 lines; every line would be 120,000.
    assert lines_read < 1_000
