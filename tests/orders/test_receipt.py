import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, Shipment
from orders.services import order_mark_delivered, order_receipt_confirm, order_ship, shipment_create
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def shipped_order(*, days_ago: float = 0, **fields) -> Order:
    """A paid order of two units, shipped in one parcel ``days_ago`` days ago."""
    order = OrderFactory(payment_status="paid", **fields)
    OrderLineFactory(order=order, quantity=2)
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")
    Shipment.objects.filter(order=order).update(shipped_at=timezone.now() - timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def receipt_url(order: Order, *, token: bool = True) -> str:
    url = reverse("orders:confirm_receipt", args=[order.number])
    return f"{url}?token={order.access_token}" if token else url


def received_events(order: Order) -> list[tuple[str, str]]:
    return list(OrderEvent.objects.filter(order=order, kind="received").values_list("from_state", "to_state"))


def test_confirming_receipt_records_the_date_and_completes_the_order():
    order = shipped_order()

    order_receipt_confirm(order=order)

    order.refresh_from_db()
    assert order.received_at is not None
    assert order.fulfilment_status == Order.FulfilmentStatus.DELIVERED
    assert order.display_status == Order.Status.COMPLETED
    assert received_events(order) == [("shipped", "delivered")]


def test_confirming_receipt_twice_records_it_once():
    order = shipped_order()
    first = order_receipt_confirm(order=order).received_at

    again = order_receipt_confirm(order=order)

    assert again.received_at == first
    assert len(received_events(order)) == 1


@pytest.mark.parametrize(
    "fields",
    [{}, {"fulfilment_status": "partly_shipped"}, {"cancelled_at": timezone.now()}],
    ids=["unshipped", "partly-shipped", "cancelled"],
)
def test_receipt_of_an_order_not_wholly_shipped_is_refused_with_nothing_changed(fields):
    order = OrderFactory(payment_status="paid", **fields)

    with pytest.raises(InvalidTransition) as raised:
        order_receipt_confirm(order=order)

    order.refresh_from_db()
    assert str(raised.value) == "Receipt can be confirmed once the whole order has been shipped."
    assert order.received_at is None
    assert not OrderEvent.objects.filter(order=order).exists()


def test_staff_marking_an_order_delivered_records_its_receipt_date():
    order = shipped_order()

    order_mark_delivered(order=order)

    order.refresh_from_db()
    assert order.received_at is not None


def test_the_guest_confirms_receipt_with_the_order_link(client):
    order = shipped_order()
    page = client.get(order.get_access_url()).content.decode()

    response = client.post(receipt_url(order))

    order.refresh_from_db()
    assert f'action="{receipt_url(order)}"' in page
    assert ">Confirm receipt</button>" in page
    assert response.status_code == 302
    assert response["Location"] == order.get_access_url()
    assert order.received_at is not None
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Thank you for confirming that your order arrived."
    ]
    assert "Confirm receipt" not in client.get(order.get_access_url()).content.decode()


def test_the_signed_in_owner_confirms_receipt_without_the_token(client):
    user = UserFactory()
    order = shipped_order(user=user)
    client.force_login(user)

    response = client.post(receipt_url(order, token=False))

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.received_at is not None
    assert OrderEvent.objects.get(order=order, kind="received").actor == user


def test_two_clicks_on_confirm_receipt_make_one_event(client):
    order = shipped_order()

    responses = [client.post(receipt_url(order)) for _ in range(2)]

    assert [response.status_code for response in responses] == [302, 302]
    assert len(received_events(order)) == 1


def test_nobody_else_can_confirm_receipt(client):
    order = shipped_order()
    other = UserFactory()
    client.force_login(other)

    wrong_token = client.post(f"{receipt_url(order, token=False)}?token=wrong")
    no_token = client.post(receipt_url(order, token=False))
    by_get = client.get(receipt_url(order))

    order.refresh_from_db()
    assert [wrong_token.status_code, no_token.status_code, by_get.status_code] == [404, 404, 405]
    assert order.received_at is None


def test_confirming_receipt_of_an_unshipped_order_says_why_with_a_409(client):
    order = OrderFactory(payment_status="paid")

    response = client.post(receipt_url(order))

    assert response.status_code == 409
    assert "Receipt can be confirmed once the whole order has been shipped." in response.content.decode()


def test_the_chinese_page_offers_confirm_receipt(client):
    order = shipped_order()

    page = client.get(order.get_access_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert ">确认收货</button>" in page


def test_shipped_orders_complete_automatically_after_the_configured_days(settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 10
    due = shipped_order(days_ago=10.1)
    recent = shipped_order(days_ago=9.9)
    confirmed = shipped_order(days_ago=20)
    order_receipt_confirm(order=confirmed)
    out = StringIO()

    call_command("complete_shipped_orders", stdout=out)

    for order in (due, recent):
        order.refresh_from_db()
    assert out.getvalue() == f"Completed 1 shipped order(s): {due.number}\n"
    assert due.display_status == Order.Status.COMPLETED
    assert due.received_at is not None
    event = OrderEvent.objects.get(order=due, kind="received")
    assert (event.actor, event.note) == (
        None,
        "Completed automatically 10 days after the last parcel was shipped.",
    )
    assert recent.received_at is None
    assert len(received_events(confirmed)) == 1


def test_the_clock_starts_at_the_last_parcel_not_the_first():
    order = OrderFactory(payment_status="paid")
    first, second = OrderLineFactory(order=order), OrderLineFactory(order=order)
    carrier = CarrierFactory()
    shipment_create(order=order, carrier=carrier, tracking_number="SF1", quantities={first.pk: 1})
    shipment_create(order=order, carrier=carrier, tracking_number="SF2", quantities={second.pk: 1})
    Shipment.objects.filter(tracking_number="SF1").update(shipped_at=timezone.now() - timedelta(days=30))
    Shipment.objects.filter(tracking_number="SF2").update(shipped_at=timezone.now() - timedelta(days=3))

    call_command("complete_shipped_orders", stdout=StringIO())

    order.refresh_from_db()
    assert order.received_at is None


def test_partly_shipped_cancelled_and_refunded_orders_are_not_completed():
    partly = OrderFactory(payment_status="paid")
    line = OrderLineFactory(order=partly, quantity=2)
    shipment_create(order=partly, carrier=CarrierFactory(), tracking_number="SF1", quantities={line.pk: 1})
    refunded = shipped_order(days_ago=30)
    Order.objects.filter(pk=refunded.pk).update(payment_status="refunded")
    Shipment.objects.update(shipped_at=timezone.now() - timedelta(days=30))

    call_command("complete_shipped_orders", stdout=StringIO())

    assert list(Order.objects.filter(received_at__isnull=False)) == []


@pytest.mark.django_db(transaction=True)
def test_two_machines_completing_at_once_complete_each_order_once():
    orders = [shipped_order(days_ago=11) for _ in range(6)]
    start = threading.Barrier(2)
    outputs = []

    def run() -> None:
        out = StringIO()
        try:
            start.wait()
            call_command("complete_shipped_orders", stdout=out)
            outputs.append(out.getvalue())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    completed = [
        number for output in outputs for number in output.strip().partition(": ")[2].split(", ") if number
    ]
    assert len(outputs) == 2
    assert sorted(completed) == sorted(order.number for order in orders)
    assert OrderEvent.objects.filter(kind="received").count() == 6
    assert Order.objects.filter(received_at__isnull=False, fulfilment_status="delivered").count() == 6
