"""Staff confirm cash-on-delivery orders in one click; the shopper is told unconfirmed ones are cancelled."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent
from orders.services import order_confirm
from tests.factories import OrderFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import change_url, staff_with, state, transition_url

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def cod_order(**fields) -> Order:
    return OrderFactory(**{"payment_method": "cod", "country": "CN", **fields})


def test_order_confirm_records_when_and_who(staff):
    order = cod_order()

    order_confirm(order=order, actor=staff)

    order.refresh_from_db()
    event = order.events.get()
    assert order.confirmed_at is not None
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        OrderEvent.Kind.CONFIRMED,
        staff,
        "unconfirmed",
        "confirmed",
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"confirmed_at": timezone.now()}, "This order has already been confirmed."),
        ({"cancelled_at": timezone.now()}, "A cancelled order cannot be confirmed."),
        ({"fulfilment_status": "shipped"}, "This order is under way already and needs no confirmation."),
        ({"payment_method": "bank_transfer"}, "Only orders paid on delivery need confirming."),
    ],
)
def test_order_confirm_refuses_what_needs_no_confirmation(fields, reason):
    order = cod_order(**fields)
    before = state(order)

    with pytest.raises(InvalidTransition) as raised:
        order_confirm(order=order)

    assert str(raised.value) == reason
    assert state(order) == before


def test_the_confirm_button_confirms_in_one_click(client, staff):
    order = cod_order()

    page = client.get(change_url(order)).content.decode()
    response = client.post(transition_url(order, "confirm"))

    order.refresh_from_db()
    assert transition_url(order, "confirm") in page
    assert response["Location"] == change_url(order)
    assert order.confirmed_at is not None
    assert order.events.get().actor == staff
    assert messages_of(response) == [f"Order {order.number} is confirmed."]
    assert transition_url(order, "confirm") not in client.get(change_url(order)).content.decode()


def test_confirming_needs_the_change_permission(client):
    staff_login(client, staff_with("view_order"))
    order = cod_order()

    page = client.get(change_url(order)).content.decode()
    response = client.post(transition_url(order, "confirm"))

    order.refresh_from_db()
    assert transition_url(order, "confirm") not in page
    assert response.status_code == 403
    assert order.confirmed_at is None
    assert not order.events.exists()


def test_confirm_selected_confirms_each_and_lists_refusals(client, staff):
    first, second = cod_order(), cod_order()
    bank = OrderFactory(payment_method="bank_transfer")

    response = client.post(
        CHANGELIST,
        {"action": "confirm_selected", ACTION_CHECKBOX_NAME: [first.pk, second.pk, bank.pk], "index": 0},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    bank.refresh_from_db()
    assert first.confirmed_at is not None
    assert second.confirmed_at is not None
    assert bank.confirmed_at is None
    assert messages_of(response) == [
        f"{bank.number}: Only orders paid on delivery need confirming.",
        f"2 orders confirmed: {first.number}, {second.number}.",
    ]


def test_confirm_selected_needs_the_change_permission(client):
    staff_login(client, staff_with("view_order"))
    order = cod_order()

    client.post(CHANGELIST, {"action": "confirm_selected", ACTION_CHECKBOX_NAME: [order.pk], "index": 0})

    order.refresh_from_db()
    assert order.confirmed_at is None


def test_the_order_page_tells_the_shopper_unconfirmed_orders_are_cancelled(client, settings):
    settings.COD_CONFIRM_HOURS = 24
    order = cod_order()

    page = client.get(order.get_access_url()).content.decode()

    assert "an order we have not confirmed within 24 hours of placing it is cancelled" in page


def test_a_confirmed_order_page_no_longer_warns(client, settings):
    settings.COD_CONFIRM_HOURS = 24
    order = cod_order(confirmed_at=timezone.now())

    page = client.get(order.get_access_url()).content.decode()

    assert "have not confirmed" not in page
