"""A product's maximum per order caps its lines in the cart, and checkout refuses a cart over it."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cart.exceptions import PerOrderMaxExceeded
from cart.selectors import cart_quantities_get
from cart.services import cart_add, cart_update
from orders.models import Order, OutboundEmail
from orders.services import order_place
from tests.factories import ProductFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data, checkout_post, standard_shipping

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_cart_add_caps_a_line_at_the_shop_default_maximum(settings):
    settings.ORDER_MAX_PER_PRODUCT = 10
    variant = VariantFactory(stock=500)
    session = {}

    change = cart_add(session=session, variant_id=variant.pk, quantity=500)

    assert change.quantity == 10
    assert change.capped
    assert change.per_order_max == 10
    assert cart_quantities_get(session=session) == {variant.pk: 10}


def test_cart_add_counts_the_products_other_variants_against_its_own_maximum():
    product = ProductFactory(max_per_order=5)
    small, large = VariantFactory(product=product, stock=50), VariantFactory(product=product, stock=50)
    other = VariantFactory(stock=50)
    session = {"cart": {str(small.pk): 3, str(other.pk): 7}}

    change = cart_add(session=session, variant_id=large.pk, quantity=4)
    again = cart_add(session=session, variant_id=small.pk, quantity=1)

    assert change.quantity == 2
    assert change.per_order_max == 5
    assert again.capped
    assert again.quantity == 3
    assert cart_quantities_get(session=session) == {small.pk: 3, other.pk: 7, large.pk: 2}


def test_cart_update_caps_at_the_products_maximum():
    variant = VariantFactory(product=ProductFactory(max_per_order=3), stock=50)
    session = {"cart": {str(variant.pk): 1}}

    change = cart_update(session=session, variant_id=variant.pk, quantity=40)

    assert change.quantity == 3
    assert change.capped
    assert cart_quantities_get(session=session) == {variant.pk: 3}


def test_stock_below_the_maximum_still_caps_as_stock(settings):
    settings.ORDER_MAX_PER_PRODUCT = 10
    variant = VariantFactory(stock=4)

    change = cart_add(session={}, variant_id=variant.pk, quantity=8)

    assert change.quantity == 4
    assert change.per_order_max is None


def test_a_shop_default_of_zero_sets_no_cap(settings):
    settings.ORDER_MAX_PER_PRODUCT = 0
    variant = VariantFactory(stock=500)

    change = cart_add(session={}, variant_id=variant.pk, quantity=200)

    assert change.quantity == 200
    assert not change.capped


def test_the_cart_page_says_the_maximum_capped_the_line(client):
    variant = VariantFactory(product=ProductFactory(name="Linen Shirt", max_per_order=2), stock=50)

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 5})

    assert client.session["cart"] == {str(variant.pk): 2}
    assert messages_of(response) == [
        "You can order at most 2 of “Linen Shirt” at once, so your cart now holds 2 of “Linen Shirt”."
    ]


def test_placing_refuses_a_cart_over_a_maximum_lowered_meanwhile():
    product = ProductFactory(max_per_order=2)
    first, second = VariantFactory(product=product, stock=10), VariantFactory(product=product, stock=10)

    with pytest.raises(PerOrderMaxExceeded) as raised:
        order_place(cart=cart_with((first, 2), (second, 1)), checkout=checkout_data(), token=uuid.uuid4())

    first.refresh_from_db()
    second.refresh_from_db()
    assert (raised.value.maximum, raised.value.in_cart) == (2, 3)
    assert (first.stock, second.stock) == (10, 10)
    assert not Order.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_checkout_sends_an_over_maximum_cart_back_to_the_cart_with_a_message(client):
    shipping = standard_shipping()
    product = ProductFactory(name="Linen Shirt", max_per_order=5)
    variant = VariantFactory(product=product, stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 5})
    token = client.get(reverse("orders:checkout")).context["form"].token_for_render
    product.max_per_order = 3
    product.save()

    response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    variant.refresh_from_db()
    assert response["Location"] == reverse("cart:detail")
    assert messages_of(response) == [
        "You can order at most 3 of “Linen Shirt” at once, and your cart holds 5. Please lower the quantity."
    ]
    assert variant.stock == 10
    assert not Order.objects.exists()
    assert client.session["cart"] == {str(variant.pk): 5}
