"""Helpers for the payment tests: a guest checkout that chooses an online payment method."""

import re

from django.urls import reverse

from orders.models import Order
from tests.orders.helpers import checkout_post

CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([0-9a-f-]{36})"')


def online_checkout(client, *, variant, shipping, method: str, quantity: int = 1, **overrides):
    """Add ``variant`` to the cart and place the order paying with ``method``; returns the POST's response."""
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity})
    page = client.get(reverse("orders:checkout")).content.decode()
    token = CHECKOUT_TOKEN.search(page).group(1)
    data = checkout_post(shipping=shipping, token=token, payment_method=method, **overrides)
    return client.post(reverse("orders:checkout"), data)


def latest_order() -> Order:
    return Order.objects.order_by("-id").first()
