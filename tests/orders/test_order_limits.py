"""Orders placed per hour are limited per client IP and per email address (stock hoarding, mail relay)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.exceptions import TooManyOrders
from orders.models import Order, OutboundEmail
from orders.services import order_client_ip_hash, order_place
from tests.factories import OrderFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data, checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

LOCAL_IP_HASH = order_client_ip_hash(ip_address="127.0.0.1")


def fill_cart(client, variant, quantity: int = 1) -> None:
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity})


def checkout_token(client) -> str:
    return client.get(reverse("orders:checkout")).context["form"].token_for_render


def test_the_eleventh_order_from_one_ip_within_an_hour_is_refused_and_keeps_the_cart(client, settings):
    settings.ORDER_LIMIT_PER_IP_PER_HOUR = 10
    shipping = standard_shipping()
    variant = VariantFactory(stock=5)
    OrderFactory.create_batch(10, client_ip_hash=LOCAL_IP_HASH)
    fill_cart(client, variant, 2)
    token = checkout_token(client)

    response = client.post(
        reverse("orders:checkout"), checkout_post(shipping=shipping, token=token, email="new@example.com")
    )

    variant.refresh_from_db()
    assert response.status_code == 429
    assert "as many orders as we accept in one hour" in response.content.decode()
    assert Order.objects.count() == 10
    assert variant.stock == 5
    assert client.session["cart"] == {str(variant.pk): 2}
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_orders_from_another_ip_or_older_than_an_hour_do_not_count(client, settings):
    settings.ORDER_LIMIT_PER_IP_PER_HOUR = 2
    shipping = standard_shipping()
    OrderFactory(client_ip_hash=order_client_ip_hash(ip_address="192.0.2.7"))
    old = OrderFactory(client_ip_hash=LOCAL_IP_HASH)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=61))
    OrderFactory(client_ip_hash=LOCAL_IP_HASH)
    fill_cart(client, VariantFactory(stock=5))

    response = client.post(
        reverse("orders:checkout"), checkout_post(shipping=shipping, token=checkout_token(client))
    )

    placed = Order.objects.get(email="ann@example.com")
    assert response["Location"] == placed.get_access_url()
    assert placed.client_ip_hash == LOCAL_IP_HASH


def test_a_repeated_submit_of_a_placed_order_still_reaches_it_when_the_limit_is_reached(client, settings):
    settings.ORDER_LIMIT_PER_IP_PER_HOUR = 10
    shipping = standard_shipping()
    fill_cart(client, VariantFactory(stock=5))
    token = checkout_token(client)
    placed = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    OrderFactory.create_batch(9, client_ip_hash=LOCAL_IP_HASH)
    later = VariantFactory(stock=5)
    fill_cart(client, later)

    resubmitted = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    refused = client.post(
        reverse("orders:checkout"), checkout_post(shipping=shipping, token=checkout_token(client))
    )

    assert resubmitted.status_code == 302
    assert resubmitted["Location"] == placed["Location"]
    assert refused.status_code == 429
    assert Order.objects.count() == 10
    assert client.session["cart"] == {str(later.pk): 1}


def test_the_sixth_order_for_one_email_within_an_hour_is_refused_whatever_its_spelling(settings):
    settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR = 5
    variant = VariantFactory(stock=5)
    OrderFactory.create_batch(5, email="ann@example.com")

    with pytest.raises(TooManyOrders):
        order_place(
            cart=cart_with((variant, 1)),
            checkout=checkout_data(email="ANN@Example.COM", client_ip_hash=LOCAL_IP_HASH),
            token=uuid.uuid4(),
        )

    variant.refresh_from_db()
    assert variant.stock == 5
    assert Order.objects.count() == 5
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_email_limit_answers_the_checkout_page_with_429(client, settings):
    settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR = 5
    shipping = standard_shipping()
    OrderFactory.create_batch(5, email="victim@example.com")
    fill_cart(client, VariantFactory(stock=5))

    response = client.post(
        reverse("orders:checkout"),
        checkout_post(shipping=shipping, token=checkout_token(client), email="victim@example.com"),
    )

    assert response.status_code == 429
    assert "as many orders as we accept in one hour" in response.content.decode()
    assert Order.objects.count() == 5


def test_a_repeated_call_returns_its_order_even_over_the_email_limit(settings):
    settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR = 1
    variant = VariantFactory(stock=5)
    token = uuid.uuid4()
    first = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=token)

    again = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=token)

    variant.refresh_from_db()
    assert again.pk == first.pk
    assert not again.placed_now
    assert variant.stock == 4


def test_a_limit_of_zero_turns_it_off(settings):
    settings.ORDER_LIMIT_PER_IP_PER_HOUR = 0
    settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR = 0
    variant = VariantFactory(stock=5)
    OrderFactory.create_batch(3, email="ann@example.com", client_ip_hash=LOCAL_IP_HASH)

    order = order_place(
        cart=cart_with((variant, 1)), checkout=checkout_data(client_ip_hash=LOCAL_IP_HASH), token=uuid.uuid4()
    )

    assert order.placed_now
