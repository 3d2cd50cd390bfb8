"""Who may use the admin order page's buttons: order permissions, staff login and the CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order
from tests.factories import CarrierFactory, OrderFactory, UserFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import change_url, order_in, ship_url, staff_with, state, transition_url

pytestmark = pytest.mark.django_db


def test_view_only_staff_see_the_order_but_cannot_change_it(client):
    staff_login(client, staff_with("view_order"))
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)

    page = client.get(change_url(order))
    paid = client.post(transition_url(order, "mark_paid"))
    ship = client.post(ship_url(order), {"carrier": CarrierFactory().code, "tracking_number": "1"})
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
    shipped = client.post(ship_url(paid), {"carrier": CarrierFactory().code, "tracking_number": "SF1"})
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
