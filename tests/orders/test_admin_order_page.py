from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Variant
from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_mark_paid
from tests.factories import OrderFactory, OrderLineFactory, StaffUserFactory, UserFactory, VariantFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import order_in, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = StaffUserFactory(email="clerk@example.com")
    staff_login(client, user)
    return user


def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def transition_url(order: Order, action: str) -> str:
    return reverse("admin:orders_order_transition", args=[order.pk, action])


def ship_url(order: Order) -> str:
    return reverse("admin:orders_order_ship", args=[order.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def state(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.payment_status,
        order.fulfilment_status,
        order.cancelled_at,
        order.tracking_number,
        OrderEvent.objects.filter(order=order).count(),
        OutboundEmail.objects.filter(order=order).count(),
    )


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
    assert '<span class="order-badge order-badge-awaiting_shipment">Awaiting shipment</span>' in page


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


def test_mark_paid_button_records_the_payment_and_who_did_it(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)

    response = client.post(transition_url(order, "mark_paid"), {"note": "Bank ref 77"})

    order.refresh_from_db()
    event = order.events.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(order)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert (event.kind, event.actor, event.note) == ("paid", staff, "Bank ref 77")
    assert messages_of(response) == [f"Order {order.number} is marked as paid."]


def test_a_refused_transition_shows_the_reason_and_changes_nothing(client, staff):
    order = order_in(Order.Status.AWAITING_SHIPMENT)
    before = state(order)

    response = client.post(transition_url(order, "mark_paid"))

    assert response.status_code == 302
    assert state(order) == before
    assert messages_of(response) == ["This order has already been paid."]


def test_cancel_asks_for_confirmation_first(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    response = client.get(transition_url(order, "cancel"))

    assert response.status_code == 200
    assert f"Cancel order {order.number}?" in response.content.decode()
    assert state(order) == before


def test_cancel_returns_the_stock(client, staff):
    variant = VariantFactory(stock=3)
    order = order_in(Order.Status.PENDING_PAYMENT)
    OrderLineFactory(order=order, variant=variant, quantity=2)

    response = client.post(transition_url(order, "cancel"), {"note": "Customer asked"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.is_cancelled
    assert Variant.objects.get(pk=variant.pk).stock == 5


def test_refund_and_mark_delivered_buttons(client, staff):
    shipped = order_in(Order.Status.SHIPPED)

    delivered = client.post(transition_url(shipped, "mark_delivered"))
    refunded = client.post(transition_url(shipped, "refund"))

    shipped.refresh_from_db()
    assert (delivered.status_code, refunded.status_code) == (302, 302)
    assert shipped.fulfilment_status == Order.FulfilmentStatus.DELIVERED
    assert shipped.payment_status == Order.PaymentStatus.REFUNDED


def test_an_unknown_action_is_a_404(client, staff):
    order = OrderFactory()

    response = client.post(transition_url(order, "delete_everything"))

    assert response.status_code == 404


def test_an_unknown_order_is_a_404(client, staff):
    response = client.post(reverse("admin:orders_order_transition", args=[999999, "mark_paid"]))
    bad_id = client.get(reverse("admin:orders_order_ship", args=["not-a-number"]))

    assert response.status_code == 404
    assert bad_id.status_code == 404


def test_a_too_long_note_shows_the_form_again(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    response = client.post(transition_url(order, "mark_paid"), {"note": "x" * 1001})

    assert response.status_code == 200
    assert "Ensure this value has at most 1000 characters" in response.content.decode()
    assert state(order) == before


def test_ship_with_carrier_and_tracking_number(client, staff):
    order = order_in(Order.Status.AWAITING_SHIPMENT)

    response = client.post(ship_url(order), {"carrier": "SF Express", "tracking_number": "SF 1234 5678"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert (order.fulfilment_status, order.carrier, order.tracking_number) == (
        "shipped",
        "SF Express",
        "SF12345678",
    )
    assert order.events.get().actor == staff
    assert list(OutboundEmail.objects.filter(order=order).values_list("kind", flat=True)) == ["shipped"]
    assert messages_of(response) == [
        f"Order {order.number} is shipped with SF Express, tracking number SF12345678."
    ]


def test_ship_without_a_tracking_number_shows_the_form_with_an_error(client, staff):
    order = order_in(Order.Status.AWAITING_SHIPMENT)
    before = state(order)

    response = client.post(ship_url(order), {"carrier": "SF Express", "tracking_number": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert state(order) == before


def test_shipping_an_unpaid_bank_transfer_order_is_refused(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    response = client.post(ship_url(order), {"carrier": "SF Express", "tracking_number": "SF1"})

    assert response.status_code == 302
    assert state(order) == before
    assert messages_of(response) == ["This order must be paid before it is shipped."]


def test_the_ship_page_suggests_carriers_already_used(client, staff):
    order_in(Order.Status.SHIPPED, carrier="ZTO Express")
    order = order_in(Order.Status.AWAITING_SHIPMENT)

    response = client.get(ship_url(order))

    assert '<option value="ZTO Express">' in response.content.decode()


def test_view_only_staff_see_the_order_but_cannot_change_it(client):
    staff_login(client, staff_with("view_order"))
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    page = client.get(change_url(order))
    paid = client.post(transition_url(order, "mark_paid"))
    ship = client.post(ship_url(order), {"carrier": "SF", "tracking_number": "1"})
    slip = client.get(reverse("admin:orders_order_packing_slip", args=[order.pk]))

    assert page.status_code == 200
    assert transition_url(order, "mark_paid") not in page.content.decode()
    assert (paid.status_code, ship.status_code, slip.status_code) == (403, 403, 200)
    assert state(order) == before


def test_staff_with_change_and_refund_permissions_may_mark_paid(client):
    staff_login(client, staff_with("view_order", "change_order", "refund_order"))
    order = order_in(Order.Status.PENDING_PAYMENT)

    response = client.post(transition_url(order, "mark_paid"))

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.payment_status == Order.PaymentStatus.PAID


def test_change_permission_alone_ships_but_moves_no_money(client):
    staff_login(client, staff_with("view_order", "change_order"))
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    unpaid = order_in(Order.Status.PENDING_PAYMENT)
    before = state(unpaid)

    page = client.get(change_url(paid)).content.decode()
    shipped = client.post(ship_url(paid), {"carrier": "SF Express", "tracking_number": "SF1"})
    refused = [client.post(transition_url(unpaid, action)) for action in ("mark_paid", "cancel")]
    refund = client.post(transition_url(paid, "refund"))

    paid.refresh_from_db()
    assert ship_url(paid) in page
    assert transition_url(paid, "refund") not in page
    assert shipped.status_code == 302
    assert paid.fulfilment_status == Order.FulfilmentStatus.SHIPPED
    assert [response.status_code for response in [*refused, refund]] == [403, 403, 403]
    assert state(unpaid) == before
    assert paid.payment_status == Order.PaymentStatus.PAID


def test_staff_without_order_permissions_get_403(client):
    staff_login(client, staff_with())
    order = OrderFactory()

    responses = [
        client.post(transition_url(order, "mark_paid")),
        client.get(reverse("admin:orders_order_invoice", args=[order.pk])),
        client.get(reverse("admin:orders_order_export")),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]


def test_non_staff_are_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    order = order_in(Order.Status.PENDING_PAYMENT)

    response = client.post(transition_url(order, "mark_paid"))

    order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_the_buttons_need_a_csrf_token(staff):
    csrf_client = Client(enforce_csrf_checks=True)
    staff_login(csrf_client, staff)
    order = order_in(Order.Status.PENDING_PAYMENT)

    response = csrf_client.post(transition_url(order, "mark_paid"))

    order.refresh_from_db()
    assert response.status_code == 403
    assert order.payment_status == Order.PaymentStatus.UNPAID


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
