"""Helpers of the orders admin tests: staff with chosen permissions, orders in each state, order page URLs."""

from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OutboundEmail
from tests.factories import OrderFactory, OrderLineFactory, UserFactory


def staff_with(*codenames: str):
    """A staff user (not a superuser) holding only these orders permissions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename__in=codenames)
    )
    return user


def order_in(status: str, **fields) -> Order:
    """An order whose display status is ``status`` (bank transfer unless told otherwise)."""
    paid, unpaid, refunded = "paid", "unpaid", "refunded"
    states = {
        Order.Status.PENDING_PAYMENT: {"payment_status": unpaid},
        Order.Status.AWAITING_SHIPMENT: {"payment_status": paid},
        Order.Status.SHIPPED: {
            "payment_status": paid,
            "fulfilment_status": "shipped",
            "carrier": "SF Express",
            "tracking_number": "SF100",
        },
        Order.Status.PARTLY_SHIPPED: {"payment_status": paid, "fulfilment_status": "partly_shipped"},
        Order.Status.COMPLETED: {"payment_status": paid, "fulfilment_status": "delivered"},
        Order.Status.CANCELLED: {"payment_status": unpaid, "cancelled_at": timezone.now()},
        Order.Status.REFUNDED: {"payment_status": refunded},
    }
    order = OrderFactory(**{**states[status], **fields})
    assert order.display_status == status
    return order


def order_with_line(**fields) -> Order:
    order = OrderFactory(**fields)
    OrderLineFactory(order=order, unit_price=order.subtotal, line_total=order.subtotal)
    return order


def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def transition_url(order: Order, action: str) -> str:
    return reverse("admin:orders_order_transition", args=[order.pk, action])


def ship_url(order: Order) -> str:
    return reverse("admin:orders_order_ship", args=[order.pk])


def state(order: Order) -> tuple:
    """What a refused or forbidden button must leave unchanged: statuses, tracking, events, emails."""
    order.refresh_from_db()
    return (
        order.payment_status,
        order.fulfilment_status,
        order.cancelled_at,
        order.tracking_number,
        OrderEvent.objects.filter(order=order).count(),
        OutboundEmail.objects.filter(order=order).count(),
    )
