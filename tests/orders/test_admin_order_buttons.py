"""The admin order page's buttons: mark paid, cancel, refund, mark delivered and ship."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.models import Variant
from orders.models import Order, OutboundEmail
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, VariantFactory
from tests.orders.admin_helpers import change_url, order_in, ship_url, state, transition_url

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


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


def test_on_the_order_page_mark_as_paid_asks_first_and_mark_delivered_acts_at_once(client, staff):
    pending = order_in(Order.Status.PENDING_PAYMENT)
    shipped = order_in(Order.Status.SHIPPED)

    paid_page = client.get(change_url(pending)).content.decode()
    shipped_page = client.get(change_url(shipped)).content.decode()

    assert f'href="{transition_url(pending, "mark_paid")}">Mark as paid…</a>' in paid_page
    assert f'action="{transition_url(shipped, "mark_delivered")}"' in shipped_page
    confirmation = client.get(transition_url(pending, "mark_paid")).content.decode()
    assert f"Record that the payment for order {pending.number} has arrived?" in confirmation


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

    carrier = CarrierFactory()

    response = client.post(ship_url(order), {"carrier": carrier.code, "tracking_number": "SF 1234 5678"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert (order.fulfilment_status, order.carrier, order.tracking_number) == (
        "shipped",
        "SF Express",
        "SF12345678",
    )
    assert order.shipping_carrier == carrier
    assert order.events.get().actor == staff
    assert list(OutboundEmail.objects.filter(order=order).values_list("kind", flat=True)) == ["shipped"]
    assert messages_of(response) == [
        f"Order {order.number} is shipped with SF Express, tracking number SF12345678."
    ]


def test_ship_without_a_tracking_number_shows_the_form_with_an_error(client, staff):
    order = order_in(Order.Status.AWAITING_SHIPMENT)
    before = state(order)

    response = client.post(ship_url(order), {"carrier": CarrierFactory().code, "tracking_number": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert state(order) == before


def test_shipping_an_unpaid_bank_transfer_order_is_refused(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    response = client.post(ship_url(order), {"carrier": CarrierFactory().code, "tracking_number": "SF1"})

    assert response.status_code == 302
    assert state(order) == before
    assert messages_of(response) == ["This order must be paid before it is shipped."]


def test_the_ship_page_offers_the_active_carriers_only(client, staff):
    CarrierFactory(code="zto", name="ZTO Express")
    CarrierFactory(code="retired", name="Retired Post", is_active=False)
    order = order_in(Order.Status.AWAITING_SHIPMENT)

    page = client.get(ship_url(order)).content.decode()

    assert '<option value="zto">ZTO Express</option>' in page
    assert "Retired Post" not in page


def test_shipping_with_an_unknown_or_retired_carrier_is_refused(client, staff):
    CarrierFactory(code="retired", name="Retired Post", is_active=False)
    order = order_in(Order.Status.AWAITING_SHIPMENT)
    before = state(order)

    responses = [
        client.post(ship_url(order), {"carrier": code, "tracking_number": "SF1"})
        for code in ("nope", "retired")
    ]

    assert [response.status_code for response in responses] == [400, 400]
    assert all("Choose one of the carriers in the list." in r.content.decode() for r in responses)
    assert state(order) == before
