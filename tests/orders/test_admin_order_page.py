"""The admin order page: what it shows, that it edits nothing, its packing slip and invoice."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.services import order_mark_paid
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory
from tests.orders.admin_helpers import change_url, order_in, ship_url, transition_url

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_lines_addresses_totals_and_history(client, staff):
    variant = VariantFactory(
        product__name="Sencha", sku="TEA-S", options={"Size": "S"}, price=Decimal("10.50")
    )
    order = OrderFactory(
        subtotal=Decimal("21.00"),
        shipping_total=Decimal("12.00"),
        grand_total=Decimal("33.00"),
        city="Suzhou",
    )
    OrderLineFactory(
        order=order, variant=variant, options_label="Size: S", quantity=2, line_total=Decimal("21.00")
    )
    order_mark_paid(order=order, actor=staff, note="Bank ref 42")

    response = client.get(change_url(order))

    page = response.content.decode()
    assert response.status_code == 200
    for text in ["Sencha", "TEA-S", "Size: S", "¥10.50", "¥21.00", "¥33.00", "Suzhou", "Bank ref 42"]:
        assert text in page
    assert "clerk@example.com" in page  # who changed it
    assert '<span class="status-badge order-badge-awaiting_shipment">Awaiting shipment</span>' in page


def test_the_order_page_has_no_editable_fields_and_no_save_button(client, staff):
    order = OrderFactory()
    OrderLineFactory(order=order)

    response = client.get(change_url(order))

    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="grand_total"' not in page
    assert 'name="lines-0-quantity"' not in page
    assert 'name="email"' not in page


def test_posting_the_order_form_changes_nothing(client, staff):
    order = OrderFactory()

    response = client.post(change_url(order), {"grand_total": "0.01", "email": "x@example.com"})

    order.refresh_from_db()
    assert response.status_code == 405
    assert order.grand_total == Decimal("31.99")
    assert order.email != "x@example.com"


def test_the_order_page_offers_the_actions_of_the_current_state(client, staff):
    unpaid = order_in(Order.Status.PENDING_PAYMENT)
    shipped = order_in(Order.Status.SHIPPED)

    unpaid_page = client.get(change_url(unpaid)).content.decode()
    shipped_page = client.get(change_url(shipped)).content.decode()

    assert transition_url(unpaid, "mark_paid") in unpaid_page
    assert transition_url(unpaid, "cancel") in unpaid_page
    assert ship_url(unpaid) not in unpaid_page
    assert transition_url(shipped, "mark_delivered") in shipped_page
    assert transition_url(shipped, "refund") in shipped_page
    assert transition_url(shipped, "mark_paid") not in shipped_page


def test_the_order_page_links_the_packing_slip_and_invoice(client, staff):
    order = OrderFactory()

    page = client.get(change_url(order)).content.decode()

    assert reverse("admin:orders_order_packing_slip", args=[order.pk]) in page
    assert reverse("admin:orders_order_invoice", args=[order.pk]) in page


def test_the_packing_slip_lists_items_without_prices(client, staff, settings):
    settings.SHOP_NAME = "Maple & Pine"
    settings.SHOP_ADDRESS = "8 Pine Lane\nHangzhou 310000"
    order = OrderFactory(full_name="Chen Wei", address_line1="1 Lake Road", note="Ring twice")
    OrderLineFactory(
        order=order,
        product_name="Sencha",
        sku="TEA-S",
        options_label="Size: S",
        quantity=3,
        unit_price=Decimal("10.50"),
        line_total=Decimal("31.50"),
    )

    response = client.get(reverse("admin:orders_order_packing_slip", args=[order.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    expected = ["Packing slip", order.number, "Chen Wei", "1 Lake Road", "Sencha", "TEA-S", "Size: S"]
    expected += ["Ring twice", "Maple &amp; Pine", "8 Pine Lane<br>Hangzhou 310000", "css/print.css"]
    for text in expected:
        assert text in page
    assert "¥" not in page


def test_the_invoice_has_prices_and_totals(client, staff):
    order = OrderFactory(
        subtotal=Decimal("31.50"), shipping_total=Decimal("0.00"), grand_total=Decimal("31.50")
    )
    OrderLineFactory(
        order=order, sku="TEA-S", quantity=3, unit_price=Decimal("10.50"), line_total=Decimal("31.50")
    )

    response = client.get(reverse("admin:orders_order_invoice", args=[order.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for text in ["Invoice", order.number, "TEA-S", "¥10.50", "¥31.50", "¥0.00", "All prices include tax."]:
        assert text in page


def test_a_cancelled_order_invoice_says_so(client, staff):
    order = OrderFactory(cancelled_at=timezone.now())

    response = client.get(reverse("admin:orders_order_invoice", args=[order.pk]))

    assert "This order was cancelled." in response.content.decode()


def test_the_order_page_speaks_chinese_to_chinese_staff(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)

    page = client.get(change_url(order), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    for text in ["标记为已付款", "取消订单", "装箱单", "发票", "状态与操作"]:
        assert text in page
