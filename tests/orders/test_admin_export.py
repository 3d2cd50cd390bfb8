import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, OrderLineFactory, StaffUserFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import order_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")
EXPORT = reverse("admin:orders_order_export")


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_writes_every_order_of_the_list_as_utf8_with_bom(staff_client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    order = OrderFactory(full_name="陈伟", email="chen@example.com", payment_method="cod")
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2025, 3, 1, 20, 30, tzinfo=UTC))
    OrderLineFactory(order=order, sku="TEA-S", product_name="Sencha", quantity=2)

    response = staff_client.get(EXPORT)

    rows = read_csv(response)
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    assert len(rows) == 2
    assert record["Order number"] == order.number
    assert record["Placed at"] == "2025-03-02 04:30"
    assert record["Customer"] == "陈伟"
    assert record["Status"] == "Awaiting shipment"
    assert record["Payment method"] == "Cash on delivery"
    assert record["Items"] == "TEA-S Sencha x2"
    assert (record["Subtotal"], record["Shipping"], record["Total"]) == ("19.99", "12.00", "31.99")
    assert record["Currency"] == "CNY"


def test_export_respects_the_list_filters_and_search(staff_client):
    wanted = order_in(Order.Status.AWAITING_SHIPMENT, email="lena@example.com")
    order_in(Order.Status.AWAITING_SHIPMENT, email="ann@example.com")
    order_in(Order.Status.PENDING_PAYMENT, email="lena@example.com")

    # The list's search is on an exact number, email or phone.
    response = staff_client.get(EXPORT, {"to_ship": "1", "q": "Lena@Example.com"})

    assert [row[0] for row in read_csv(response)[1:]] == [wanted.number]


def test_export_selected_action_exports_only_the_selected_orders(staff_client):
    first, _second, third = OrderFactory(), OrderFactory(), OrderFactory()

    response = staff_client.post(
        CHANGELIST, {"action": "export_csv_selected", ACTION_CHECKBOX_NAME: [first.pk, third.pk], "index": 0}
    )

    assert sorted(row[0] for row in read_csv(response)[1:]) == sorted([first.number, third.number])


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(staff_client):
    OrderFactory(full_name='=HYPERLINK("http://evil.example","x")', city="@SUM(1)", phone="+8613800138000")

    response = staff_client.get(EXPORT)

    header, row = read_csv(response)
    record = dict(zip(header, row, strict=True))
    assert record["Customer"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["City"] == "'@SUM(1)"
    assert record["Phone"] == "'+8613800138000"


def test_export_with_a_broken_filter_goes_back_to_the_list_with_a_message(staff_client):
    response = staff_client.get(EXPORT, {"created_at__gte": "not-a-date"})

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST


def test_export_headers_follow_the_staff_language(staff_client):
    OrderFactory()

    response = staff_client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert read_csv(response)[0][0] == "订单号"
