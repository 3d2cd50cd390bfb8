"""Helpers for the payment tests: a guest checkout that chooses an online payment method, and what follows."""

import re

from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.urls import reverse

from orders.models import Order, OrderEvent
from payments.models import Payment
from tests.factories import StaffUserFactory
from tests.helpers import staff_login
from tests.orders.helpers import checkout_post

CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([0-9a-f-]{36})"')
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def online_checkout(client, *, variant, shipping, method: str, quantity: int = 1, **overrides):
    """Add ``variant`` to the cart and place the order paying with ``method``; returns the POST's response."""
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity})
    page = client.get(reverse("orders:checkout")).content.decode()
    token = CHECKOUT_TOKEN.search(page).group(1)
    data = checkout_post(shipping=shipping, token=token, payment_method=method, **overrides)
    return client.post(reverse("orders:checkout"), data)


def latest_order() -> Order:
    return Order.objects.order_by("-id").first()


def online_order(
    client, *, variant, shipping, method: str, **overrides
) -> tuple[Order, Payment, HttpResponse]:
    """Place an order with ``online_checkout``; returns the order, its payment and the checkout response."""
    response = online_checkout(client, variant=variant, shipping=shipping, method=method, **overrides)
    order = latest_order()
    return order, order.payments.get(), response


def paid_events(order: Order) -> int:
    """How many times the order's history says it was paid."""
    return OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count()


def refund_staff_login(client) -> None:
    """Log ``client`` in as staff who may see payments and orders and refund them (not a superuser)."""
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_payment", "view_order", "change_order", "refund_order"]
        )
    )
    staff_login(client, staff)
