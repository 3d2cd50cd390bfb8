import importlib
import threading

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import connection

from orders.emails import order_email_build
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OutboundEmail, Shipment, ShipmentLine
from orders.selectors import OrderAction, order_action_list
from orders.services import order_cancel, order_ship, shipment_create
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ProductFactory, VariantFactory
from tests.helpers import run_together
from tests.orders.admin_helpers import ship_url

pytestmark = pytest.mark.django_db

PARCELS = importlib.import_module("orders.migrations.0012_shipments")


def paid_order_with(*quantities: int) -> tuple[Order, list]:
    """A paid order with one line per quantity (teapots, then cups, ...)."""
    order = OrderFactory(payment_status="paid")
    names = ["Teapot", "Cup", "Tray"]
    lines = [
        OrderLineFactory(
            order=order, quantity=quantity, variant=VariantFactory(product=ProductFactory(name=names[index]))
        )
        for index, quantity in enumerate(quantities)
    ]
    return order, lines


def shipped_units(order: Order) -> dict[int, int]:
    units: dict[int, int] = {}
    for item in ShipmentLine.objects.filter(shipment__order=order):
        units[item.order_line_id] = units.get(item.order_line_id, 0) + item.quantity
    return units


def test_a_parcel_with_part_of_the_order_leaves_it_partly_shipped():
    order, (teapot, cup) = paid_order_with(2, 1)

    shipment = shipment_create(
        order=order, carrier=CarrierFactory(), tracking_number="SF 1", quantities={teapot.pk: 1, cup.pk: 0}
    )

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.PARTLY_SHIPPED
    assert order.display_status == Order.Status.PARTLY_SHIPPED
    assert shipment.tracking_number == "SF1"
    assert [(item.order_line, item.quantity) for item in shipment.lines.all()] == [(teapot, 1)]
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.from_state, event.to_state) == ("shipped", "unfulfilled", "partly_shipped")
    assert list(OutboundEmail.objects.filter(order=order).values_list("kind", flat=True)) == ["shipped"]
    assert order_action_list(order=order)[:1] == [OrderAction.SHIP]
    assert OrderAction.CANCEL not in order_action_list(order=order)


def test_the_order_is_shipped_when_the_last_unit_is_in_a_parcel():
    order, (teapot, cup) = paid_order_with(2, 1)
    carrier = CarrierFactory()
    shipment_create(order=order, carrier=carrier, tracking_number="SF1", quantities={teapot.pk: 1})

    shipment_create(order=order, carrier=carrier, tracking_number="SF2", quantities={teapot.pk: 1, cup.pk: 1})

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.SHIPPED
    assert shipped_units(order) == {teapot.pk: 2, cup.pk: 1}
    assert order.tracking_number == "SF2"


def test_shipping_everything_left_after_a_parcel_sends_only_the_rest():
    order, (teapot, cup) = paid_order_with(3, 2)
    shipment_create(order=order, carrier=CarrierFactory(), tracking_number="SF1", quantities={teapot.pk: 2})

    order_ship(order=order, carrier=CarrierFactory(code="zto", name="ZTO Express"), tracking_number="ZT1")

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.SHIPPED
    last = order.shipments.get(tracking_number="ZT1")
    assert sorted((item.order_line_id, item.quantity) for item in last.lines.all()) == [
        (teapot.pk, 1),
        (cup.pk, 2),
    ]


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({"teapot": 3}, "Only 2 of that item are left to ship; nothing was shipped."),
        ({"teapot": 0, "cup": 0}, "Put at least one item in the parcel."),
        ({"teapot": -1}, "A quantity cannot be negative."),
        ({"other": 1}, "That item is not part of this order."),
    ],
)
def test_a_parcel_with_more_than_is_left_or_nothing_is_refused_with_nothing_written(quantities, message):
    order, (teapot, cup) = paid_order_with(2, 1)
    other = OrderLineFactory(order=OrderFactory(payment_status="paid"))
    ids = {"teapot": teapot.pk, "cup": cup.pk, "other": other.pk}

    with pytest.raises(InvalidTransition) as raised:
        shipment_create(
            order=order,
            carrier=CarrierFactory(),
            tracking_number="SF1",
            quantities={ids[name]: units for name, units in quantities.items()},
        )

    order.refresh_from_db()
    assert str(raised.value) == message
    assert order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    assert not Shipment.objects.exists()
    assert not OrderEvent.objects.filter(order=order).exists()


def test_units_already_in_a_parcel_cannot_ship_again():
    order, (teapot,) = paid_order_with(2)
    shipment_create(order=order, carrier=CarrierFactory(), tracking_number="SF1", quantities={teapot.pk: 1})

    with pytest.raises(InvalidTransition) as raised:
        shipment_create(
            order=order, carrier=CarrierFactory(), tracking_number="SF2", quantities={teapot.pk: 2}
        )

    assert str(raised.value) == "Only 1 of that item are left to ship; nothing was shipped."
    assert shipped_units(order) == {teapot.pk: 1}


def test_a_partly_shipped_order_cannot_be_cancelled():
    order, (teapot,) = paid_order_with(2)
    shipment_create(order=order, carrier=CarrierFactory(), tracking_number="SF1", quantities={teapot.pk: 1})

    with pytest.raises(InvalidTransition):
        order_cancel(order=order)

    order.refresh_from_db()
    assert order.cancelled_at is None


@pytest.mark.django_db(transaction=True)
def test_two_staff_shipping_the_same_units_at_once_ship_them_once():
    order, (teapot,) = paid_order_with(3)
    carrier = CarrierFactory()
    outcomes = []
    start = threading.Barrier(2)

    def ship(number: str) -> None:
        try:
            start.wait()
            shipment_create(order=order, carrier=carrier, tracking_number=number, quantities={teapot.pk: 2})
            outcomes.append("shipped")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ship, args=(f"SF{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    order.refresh_from_db()
    assert sorted(outcomes) == ["refused", "shipped"]
    assert shipped_units(order) == {teapot.pk: 2}
    assert order.fulfilment_status == Order.FulfilmentStatus.PARTLY_SHIPPED


@pytest.mark.django_db(transaction=True)
def test_a_partial_parcel_submitted_twice_at_once_is_recorded_once():
    order, (teapot,) = paid_order_with(3)
    carrier = CarrierFactory()

    def ship() -> str:
        try:
            shipment_create(order=order, carrier=carrier, tracking_number="SF 1", quantities={teapot.pk: 1})
        except InvalidTransition as error:
            return str(error)
        return "shipped"

    outcomes = run_together(ship, ship)

    order.refresh_from_db()
    assert sorted(outcomes) == [
        "A parcel with the tracking number SF1 was already recorded for this order.",
        "shipped",
    ]
    assert shipped_units(order) == {teapot.pk: 1}
    assert order.shipments.count() == 1


def test_the_admin_ship_form_offers_each_line_with_what_is_left(client, staff):
    order, (teapot, cup) = paid_order_with(2, 1)
    shipment_create(order=order, carrier=CarrierFactory(), tracking_number="SF1", quantities={teapot.pk: 1})

    page = client.get(ship_url(order)).content.decode()

    assert f'name="line_{teapot.pk}" value="1" class="order-ship-quantity" min="0" max="1"' in page
    assert f'name="line_{cup.pk}" value="1" class="order-ship-quantity" min="0" max="1"' in page
    assert "1 / 2" in page


def test_staff_ship_chosen_lines_from_the_admin_form(client, staff):
    order, (teapot, cup) = paid_order_with(2, 1)
    form = {"carrier": CarrierFactory().code, "tracking_number": "SF 7", f"line_{teapot.pk}": "2"}

    response = client.post(ship_url(order), {**form, f"line_{cup.pk}": "0"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert shipped_units(order) == {teapot.pk: 2}
    assert order.shipments.get().created_by == staff
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"Order {order.number} is partly shipped: a parcel with SF Express, tracking number SF7. "
        "Ship the rest when it is ready."
    ]


@pytest.mark.parametrize(
    ("teapot", "cup", "error"),
    [
        ("3", "0", "Ensure this value is less than or equal to 2."),
        ("0", "0", "Put at least one item in the parcel."),
        ("two", "0", "Enter a whole number."),
        ("", "1", "This field is required."),
    ],
)
def test_a_bad_parcel_in_the_admin_form_shows_the_error_and_ships_nothing(client, staff, teapot, cup, error):
    order, (teapot_line, cup_line) = paid_order_with(2, 1)
    form = {"carrier": CarrierFactory().code, "tracking_number": "SF7"}

    response = client.post(
        ship_url(order), {**form, f"line_{teapot_line.pk}": teapot, f"line_{cup_line.pk}": cup}
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Shipment.objects.exists()


def test_the_order_page_lists_each_parcel_with_a_link_to_its_tracking_page(client):
    order, (teapot, cup) = paid_order_with(2, 1)
    sf, zto = (
        CarrierFactory(),
        CarrierFactory(
            code="west-post", name="West Post", tracking_url_template="https://z.example/{number}"
        ),
    )
    shipment_create(order=order, carrier=sf, tracking_number="SF1", quantities={teapot.pk: 2})
    shipment_create(order=order, carrier=zto, tracking_number="ZT 9", quantities={cup.pk: 1})

    page = client.get(order.get_access_url()).content.decode()

    assert "Parcel 1" in page and "Parcel 2" in page
    assert "Teapot \N{MULTIPLICATION SIGN} 2" in page and "Cup \N{MULTIPLICATION SIGN} 1" in page
    assert (
        '<a class="tracking-link" href="https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1" '
        'target="_blank" rel="noopener">Track this parcel</a>'
    ) in page
    assert '<a class="tracking-link" href="https://z.example/ZT9" target="_blank" rel="noopener">' in page


def test_the_shopper_reads_partly_shipped_in_their_language(client):
    order, (teapot,) = paid_order_with(2)
    shipment_create(order=order, carrier=CarrierFactory(), tracking_number="SF1", quantities={teapot.pk: 1})

    page = client.get(order.get_access_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "部分发货" in page
    assert "顺丰速运" in page


def test_the_shipped_email_lists_each_parcel_and_links_to_its_tracking_page():
    order, (teapot, cup) = paid_order_with(2, 1)
    carrier = CarrierFactory()
    shipment_create(order=order, carrier=carrier, tracking_number="SF1", quantities={teapot.pk: 2})
    shipment_create(order=order, carrier=carrier, tracking_number="SF2", quantities={cup.pk: 1})

    message = order_email_build(order=order, kind="shipped", to_email=order.email, language="en")

    html = message.alternatives[0].content
    assert "Parcel 1" in message.body and "Parcel 2" in message.body
    assert "- Teapot \N{MULTIPLICATION SIGN} 2\n" in message.body
    assert (
        "Track this parcel:\nhttps://www.sf-express.com/chn/sc/waybill/waybill-detail/SF2\n" in message.body
    )
    assert (
        '<a href="https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1" target="_blank" '
        'rel="noopener">Track this parcel</a>'
    ) in html


def test_orders_shipped_before_parcels_become_one_parcel_of_everything():
    carrier = CarrierFactory()
    order = OrderFactory(
        payment_status="paid",
        fulfilment_status="shipped",
        carrier="SF Express",
        shipping_carrier=carrier,
        tracking_number="SF5",
    )
    line = OrderLineFactory(order=order, quantity=3)
    unknown = OrderFactory(
        payment_status="paid", fulfilment_status="delivered", carrier="Van", tracking_number="V1"
    )

    PARCELS.parcels_from_orders(apps, None)

    parcel = order.shipments.get()
    assert (parcel.carrier, parcel.tracking_number, parcel.tracking_url.endswith("/SF5")) == (
        carrier,
        "SF5",
        True,
    )
    assert [(item.order_line, item.quantity) for item in parcel.lines.all()] == [(line, 3)]
    assert (unknown.shipments.get().carrier_display_name, unknown.shipments.get().tracking_url) == ("Van", "")
