from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.services import order_ship
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_the_owner_sees_the_order_with_lines_totals_address_and_status(client):
    user = UserFactory()
    order = OrderFactory(
        user=user,
        full_name="Ann Lee",
        address_line1="18 West Lake Road",
        subtotal=Decimal("99.80"),
        shipping_total=Decimal("0.00"),
        grand_total=Decimal("99.80"),
    )
    OrderLineFactory(
        order=order,
        product_name="Linen Shirt",
        sku="SHIRT-M",
        options_label="Size: M",
        unit_price=Decimal("49.90"),
        quantity=2,
        line_total=Decimal("99.80"),
    )
    client.force_login(user)

    response = client.get(reverse("orders:detail", kwargs={"number": order.number}))

    page = response.content.decode()
    assert response.status_code == 200
    assert order.number in page
    assert "Linen Shirt" in page
    assert "Size: M" in page
    assert "SHIRT-M" in page
    assert "¥99.80" in page
    assert "18 West Lake Road" in page
    assert "China (mainland)" in page
    assert "Pending payment" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_bank_transfer_instructions_show_while_unpaid(client, settings):
    settings.SHOP_BANK_ACCOUNT_NUMBER = "6222 0000 1111 2222"
    order = OrderFactory(grand_total=Decimal("31.99"))

    page = client.get(order.get_access_url()).content.decode()

    assert "How to pay" in page
    assert "6222 0000 1111 2222" in page
    assert "¥31.99" in page
    assert "Unpaid orders are cancelled after 24 hours." in page


def test_no_payment_instructions_once_paid(client):
    order = OrderFactory(payment_status="paid")

    page = client.get(order.get_access_url()).content.decode()

    assert "How to pay" not in page
    assert "Awaiting shipment" in page


def test_shipped_order_shows_carrier_and_tracking(client):
    order = OrderFactory(payment_status="paid")
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF99")

    page = client.get(order.get_access_url()).content.decode()

    assert "SF Express" in page
    assert "SF99" in page


def test_a_guest_sees_the_order_with_its_token(client):
    order = OrderFactory()

    response = client.get(order.get_access_url())

    assert response.status_code == 200


@pytest.mark.parametrize("token", ["", "wrong", "x" * 500])
def test_a_wrong_or_missing_token_is_a_404(client, token):
    order = OrderFactory()

    response = client.get(reverse("orders:detail", kwargs={"number": order.number}), {"token": token})

    assert response.status_code == 404


def test_another_customers_order_is_a_404(client):
    order = OrderFactory(user=UserFactory())
    client.force_login(UserFactory())

    response = client.get(reverse("orders:detail", kwargs={"number": order.number}))

    assert response.status_code == 404


def test_an_unknown_order_number_is_a_404(client):
    response = client.get(reverse("orders:detail", kwargs={"number": "MPNOTREAL1"}), {"token": "abc"})

    assert response.status_code == 404


def test_a_cancelled_order_reads_cancelled_without_payment_instructions(client):
    order = OrderFactory(cancelled_at=timezone.now())

    page = client.get(order.get_access_url()).content.decode()

    assert "Cancelled" in page
    assert "How to pay" not in page


def test_order_page_query_count_does_not_grow_with_lines(client, django_assert_max_num_queries):
    order = OrderFactory()
    OrderLineFactory(order=order, variant=VariantFactory())
    client.get(order.get_access_url())

    with CaptureQueriesContext(connection) as one_line:
        client.get(order.get_access_url())
    one_line_queries = len(one_line)
    for _ in range(5):
        OrderLineFactory(order=order, variant=VariantFactory())

    with django_assert_max_num_queries(one_line_queries):
        response = client.get(order.get_access_url())

    assert response.content.decode().count("SKU-") >= 6


def test_a_guest_reads_the_order_page_in_a_few_queries(client, django_assert_max_num_queries):
    order = OrderFactory()
    OrderLineFactory(order=order, variant=VariantFactory())
    client.get(order.get_access_url())

    # The order, its lines and the catalogue revision (for the menu); the
    # session only when the visitor has one; the online payments block its own.
    with django_assert_max_num_queries(5) as captured:
        response = client.get(order.get_access_url())

    statements = [query["sql"] for query in captured.captured_queries]
    assert response.status_code == 200
    assert sum('FROM "orders_order"' in sql for sql in statements) == 1
    assert sum('FROM "orders_orderline"' in sql for sql in statements) == 1
