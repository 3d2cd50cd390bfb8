import pytest
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from catalog.models import CatalogRevision
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_cancel, order_mark_delivered, order_mark_paid, order_refund, order_ship
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, StaffUserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def snapshot(order: Order) -> tuple:
    """Everything a refused transition must leave as it was."""
    order.refresh_from_db()
    return (
        order.payment_status,
        order.fulfilment_status,
        order.cancelled_at,
        order.carrier,
        order.tracking_number,
        OrderEvent.objects.filter(order=order).count(),
        OutboundEmail.objects.filter(order=order).count(),
        DBTaskResult.objects.count(),
    )


def emails_of(order: Order) -> list[str]:
    return list(OutboundEmail.objects.filter(order=order).order_by("id").values_list("kind", flat=True))


def test_mark_paid_records_who_and_enqueues_the_email():
    staff = StaffUserFactory()
    order = OrderFactory()

    order_mark_paid(order=order, actor=staff, note="Transfer ref 889")

    order.refresh_from_db()
    event = OrderEvent.objects.get(order=order)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.display_status == Order.Status.AWAITING_SHIPMENT
    assert (event.kind, event.from_state, event.to_state, event.actor, event.note) == (
        "paid",
        "unpaid",
        "paid",
        staff,
        "Transfer ref 889",
    )
    assert emails_of(order) == ["paid"]
    paid_email = OutboundEmail.objects.get(order=order)
    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["email_ids"] == [paid_email.pk]


def test_ship_a_paid_order_with_carrier_and_tracking():
    order = OrderFactory(payment_status=Order.PaymentStatus.PAID)

    order_ship(order=order, carrier=CarrierFactory(), tracking_number=" SF1234567890 ")

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.SHIPPED
    assert (order.carrier, order.tracking_number) == ("SF Express", "SF1234567890")
    assert order.shipping_carrier == CarrierFactory()
    assert order.display_status == Order.Status.SHIPPED
    assert OrderEvent.objects.get(order=order).kind == "shipped"
    assert emails_of(order) == ["shipped"]


def test_cash_on_delivery_ships_unpaid():
    order = OrderFactory(payment_method="cod")

    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.SHIPPED
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_bank_transfer_must_be_paid_before_shipping():
    order = OrderFactory(payment_method="bank_transfer")
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")

    assert str(raised.value) == "This order must be paid before it is shipped."
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"cancelled": True}, "A cancelled order cannot be shipped."),
        ({"payment_status": "refunded"}, "A refunded order cannot be shipped."),
        ({"payment_status": "paid", "fulfilment_status": "shipped"}, "This order has already been shipped."),
    ],
)
def test_ship_is_refused_from_wrong_states_with_nothing_changed(state, message):
    if state.pop("cancelled", False):
        state["cancelled_at"] = timezone.now()
        state["payment_status"] = "paid"
    order = OrderFactory(**state)
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")

    assert str(raised.value) == message
    assert snapshot(order) == before


def test_ship_needs_a_tracking_number():
    order = OrderFactory(payment_status=Order.PaymentStatus.PAID)
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_ship(order=order, carrier=CarrierFactory(), tracking_number="  ")

    assert str(raised.value) == "Enter the tracking number."
    assert snapshot(order) == before


def test_mark_delivered_completes_a_paid_shipped_order():
    order = OrderFactory(payment_status="paid", fulfilment_status="shipped")

    order_mark_delivered(order=order)

    order.refresh_from_db()
    assert order.fulfilment_status == Order.FulfilmentStatus.DELIVERED
    assert order.display_status == Order.Status.COMPLETED
    assert OrderEvent.objects.get(order=order).kind == "delivered"


def test_mark_delivered_refuses_an_unshipped_order():
    order = OrderFactory(payment_status="paid")
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_mark_delivered(order=order)

    assert str(raised.value) == "Only a shipped order can be marked as delivered."
    assert snapshot(order) == before


def test_mark_paid_refuses_a_paid_or_cancelled_order():
    paid = OrderFactory(payment_status="paid")
    cancelled = OrderFactory(cancelled_at=timezone.now())
    before = (snapshot(paid), snapshot(cancelled))

    with pytest.raises(InvalidTransition) as paid_error:
        order_mark_paid(order=paid)
    with pytest.raises(InvalidTransition) as cancelled_error:
        order_mark_paid(order=cancelled)

    assert str(paid_error.value) == "This order has already been paid."
    assert str(cancelled_error.value) == "A cancelled order cannot be marked as paid."
    assert (snapshot(paid), snapshot(cancelled)) == before


def test_refund_a_paid_order():
    order = OrderFactory(payment_status="paid", fulfilment_status="delivered")

    order_refund(order=order, note="Damaged in transit")

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert order.display_status == Order.Status.REFUNDED
    assert emails_of(order) == ["refunded"]


def test_an_unpaid_order_cannot_be_refunded():
    order = OrderFactory()
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_refund(order=order)

    assert str(raised.value) == "Only a paid order can be refunded."
    assert snapshot(order) == before


def test_cancel_returns_the_stock_records_it_and_enqueues_the_email(django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    variant = VariantFactory(stock=3, sku="LAMP")
    order = OrderFactory()
    OrderLineFactory(order=order, variant=variant, quantity=2)
    revision = CatalogRevision.objects.get(pk=1).number

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=staff, note="Customer asked")

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.is_cancelled
    assert order.display_status == Order.Status.CANCELLED
    assert variant.stock == 5
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", "note")) == [
        ("cancelled", "Customer asked"),
        ("restocked", "LAMP x2"),
    ]
    assert emails_of(order) == ["cancelled"]
    assert CatalogRevision.objects.get(pk=1).number == revision + 1


def test_cancel_twice_restocks_once():
    variant = VariantFactory(stock=0)
    order = OrderFactory()
    OrderLineFactory(order=order, variant=variant, quantity=4)
    order_cancel(order=order)
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_cancel(order=order)

    variant.refresh_from_db()
    assert str(raised.value) == "This order is already cancelled."
    assert variant.stock == 4
    assert snapshot(order) == before


def test_a_shipped_order_cannot_be_cancelled():
    variant = VariantFactory(stock=0)
    order = OrderFactory(payment_status="paid", fulfilment_status="shipped")
    OrderLineFactory(order=order, variant=variant, quantity=1)
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as raised:
        order_cancel(order=order)

    variant.refresh_from_db()
    assert str(raised.value) == "A shipped order cannot be cancelled."
    assert variant.stock == 0
    assert snapshot(order) == before


def test_cancel_skips_lines_whose_variant_was_deleted():
    order = OrderFactory()
    line = OrderLineFactory(order=order, quantity=1)
    line.variant.delete()

    order_cancel(order=order)

    order.refresh_from_db()
    assert order.is_cancelled
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == ["cancelled"]


def test_invalid_transition_messages_are_translated():
    order = OrderFactory()

    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as raised:
        order_refund(order=order)

    assert str(raised.value) == "只有已付款的订单才能退款。"
