import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Order, OrderEvent
from tests.factories import CarrierFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import order_in, staff_with

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def run_action(client, action: str, orders: list[Order], **data):
    """Post the change list's action form, as the action bar does."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [order.pk for order in orders], "index": 0, **data}
    return client.post(CHANGELIST, payload)


def confirm_action(client, action: str, orders: list[Order], **data):
    """Post an action's intermediate page (no ``index``), as its confirm button does."""
    payload = {
        "action": action,
        ACTION_CHECKBOX_NAME: [order.pk for order in orders],
        "confirmed": "yes",
        **data,
    }
    return client.post(CHANGELIST, payload)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_mark_selected_as_paid_lists_what_was_done_and_what_was_refused(client, staff):
    first = order_in(Order.Status.PENDING_PAYMENT)
    second = order_in(Order.Status.PENDING_PAYMENT)
    already = order_in(Order.Status.AWAITING_SHIPMENT)

    response = confirm_action(client, "mark_paid_selected", [first, second, already])

    assert response.status_code == 302
    assert set(Order.objects.filter(payment_status="paid").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
        already.pk,
    }
    assert OrderEvent.objects.filter(order=already).count() == 0
    assert messages_of(response) == [
        f"{already.number}: This order has already been paid.",
        f"2 orders marked as paid: {first.number}, {second.number}.",
    ]


def test_mark_selected_as_delivered(client, staff):
    shipped = order_in(Order.Status.SHIPPED)

    run_action(client, "mark_delivered_selected", [shipped])

    shipped.refresh_from_db()
    assert shipped.fulfilment_status == Order.FulfilmentStatus.DELIVERED


def test_cancel_selected_asks_first_then_cancels_with_the_note(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)

    asked = run_action(client, "cancel_selected", [order])
    order.refresh_from_db()
    cancelled_before_confirming = order.is_cancelled
    confirmed = confirm_action(client, "cancel_selected", [order], note="Out of stock at supplier")

    order.refresh_from_db()
    assert asked.status_code == 200
    assert order.number in asked.content.decode()
    assert cancelled_before_confirming is False
    assert confirmed.status_code == 302
    assert order.is_cancelled
    assert order.events.get(kind="cancelled").note == "Out of stock at supplier"


def test_refund_selected_refuses_unpaid_orders(client, staff):
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    unpaid = order_in(Order.Status.PENDING_PAYMENT)

    response = confirm_action(client, "refund_selected", [paid, unpaid])

    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert paid.payment_status == Order.PaymentStatus.REFUNDED
    assert unpaid.payment_status == Order.PaymentStatus.UNPAID
    assert f"{unpaid.number}: Only a paid order can be refunded." in messages_of(response)


def test_ship_selected_shows_one_row_per_shippable_order(client, staff):
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    cod = order_in(Order.Status.AWAITING_SHIPMENT, payment_status="unpaid", payment_method="cod")
    unpaid = order_in(Order.Status.PENDING_PAYMENT)

    response = run_action(client, "ship_selected", [paid, cod, unpaid])

    rows = response.context["rows"]
    assert response.status_code == 200
    assert [order.number for _form, order in rows] == [paid.number, cod.number]
    assert [order.number for order in response.context["skipped"]] == [unpaid.number]


def test_ship_selected_ships_each_filled_row_and_skips_empty_ones(client, staff):
    first = order_in(Order.Status.AWAITING_SHIPMENT)
    second = order_in(Order.Status.AWAITING_SHIPMENT)
    rows = {
        "ship-TOTAL_FORMS": "2",
        "ship-INITIAL_FORMS": "2",
        "ship-0-order": first.pk,
        "ship-0-carrier": CarrierFactory().code,
        "ship-0-tracking_number": "SF 001",
        "ship-1-order": second.pk,
        "ship-1-carrier": "",
        "ship-1-tracking_number": "",
    }

    response = confirm_action(client, "ship_selected", [first, second], **rows)

    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 302
    assert (first.fulfilment_status, first.carrier, first.tracking_number) == (
        "shipped",
        "SF Express",
        "SF001",
    )
    assert second.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    assert messages_of(response) == [f"1 order shipped: {first.number}."]


def test_ship_selected_with_half_a_row_shows_the_error_and_ships_nothing(client, staff):
    order = order_in(Order.Status.AWAITING_SHIPMENT)
    rows = {
        "ship-TOTAL_FORMS": "1",
        "ship-INITIAL_FORMS": "1",
        "ship-0-order": order.pk,
        "ship-0-carrier": CarrierFactory().code,
        "ship-0-tracking_number": "",
    }

    response = confirm_action(client, "ship_selected", [order], **rows)

    order.refresh_from_db()
    assert response.status_code == 200
    assert "Choose the carrier and enter the tracking number" in response.content.decode()
    assert order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED


def test_ship_selected_refuses_an_order_that_was_not_selected(client, staff):
    selected = order_in(Order.Status.AWAITING_SHIPMENT)
    other = order_in(Order.Status.AWAITING_SHIPMENT)
    rows = {
        "ship-TOTAL_FORMS": "1",
        "ship-INITIAL_FORMS": "1",
        "ship-0-order": other.pk,
        "ship-0-carrier": CarrierFactory().code,
        "ship-0-tracking_number": "SF9",
    }

    response = confirm_action(client, "ship_selected", [selected], **rows)

    other.refresh_from_db()
    assert response.status_code == 200
    assert other.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED


def test_ship_selected_with_nothing_shippable_says_so(client, staff):
    unpaid = order_in(Order.Status.PENDING_PAYMENT)

    response = run_action(client, "ship_selected", [unpaid])

    assert response.status_code == 302
    assert messages_of(response) == ["None of the selected orders can be shipped now."]


def test_view_only_staff_get_only_the_export_action(client):
    staff_login(client, staff_with("view_order"))

    response = client.get(CHANGELIST)

    choices = [value for value, _label in response.context["action_form"].fields["action"].choices if value]
    assert choices == ["export_csv_selected"]


def test_staff_without_the_refund_permission_get_no_money_actions(client):
    staff_login(client, staff_with("view_order", "change_order"))

    response = client.get(CHANGELIST)

    choices = [value for value, _label in response.context["action_form"].fields["action"].choices if value]
    assert choices == ["confirm_selected", "ship_selected", "mark_delivered_selected", "export_csv_selected"]
