"""Helpers of the orders admin tests: staff with chosen permissions, orders in each state."""

from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.models import Order
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
