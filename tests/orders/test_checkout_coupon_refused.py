"""The checkout page places the order with the cart's coupon; a refused coupon never loses the order."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cart.coupon import cart_coupon_get, cart_coupon_set
from cart.services import COUPON_TRY_SCOPE
from orders.exceptions import ShippingPriceChanged
from orders.models import Order
from orders.services import order_place
from promotions.models import CouponCustomerUse
from shop.models import RateLimitHit
from tests.factories import CouponFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data, checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

D = Decimal


def _cart_with_coupon(client, variant, code: str) -> str:
    """Fill the cart, apply ``code`` (as the cart's coupon form does) and open checkout; return its token."""
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    session = client.session
    cart_coupon_set(session=session, code=code)
    session.save()
    return client.get(reverse("orders:checkout")).context["form"].token_for_render


def test_the_order_is_placed_with_the_carts_coupon_which_then_leaves_the_session(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    CouponFactory(code="SAVE10", value=D("10"))
    token = _cart_with_coupon(client, variant, "SAVE10")

    response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    order = Order.objects.get()
    assert response["Location"] == order.get_access_url()
    assert (order.discount_total, order.grand_total) == (D("10.00"), D("102.00"))
    assert order.discounts.get().label == "SAVE10"
    assert cart_coupon_get(session=client.session) == ""


def test_a_code_used_up_meanwhile_is_removed_and_the_shopper_places_the_order_at_full_price(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    coupon = CouponFactory(code="SAVE10", value=D("10"), uses_total=1)
    token = _cart_with_coupon(client, variant, "SAVE10")
    coupon.uses_count = 1  # another shopper took the last use
    coupon.save()
    data = checkout_post(shipping=shipping, token=token, full_name="Mei Chen", note="Leave it at the door")

    refused = client.post(reverse("orders:checkout"), data)

    page = refused.content.decode()
    assert refused.status_code == 400  # the page prices the cart first: no order is tried
    assert "The code “SAVE10” has been used up. We have removed it from your cart." in page
    assert 'value="Mei Chen"' in page
    assert "Leave it at the door" in page
    assert f'name="checkout_token" value="{token}"' in page
    assert cart_coupon_get(session=client.session) == ""
    assert not Order.objects.exists()

    placed = client.post(reverse("orders:checkout"), data)

    order = Order.objects.get()
    assert placed["Location"] == order.get_access_url()
    assert (order.discount_total, order.grand_total) == (D("0.00"), D("112.00"))
    assert not order.discounts.exists()


def test_a_code_refused_only_when_placing_keeps_the_input_and_reads_in_chinese(client):
    # A guest's email is first known when the order is placed: that is where a code the
    # customer has used up is refused, after the page showed its discount.
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    coupon = CouponFactory(code="ONCE", value=D("10"), uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="ann@example.com", uses=1)
    token = _cart_with_coupon(client, variant, "ONCE")

    refused = client.post(
        reverse("orders:checkout"),
        checkout_post(shipping=shipping, token=token),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    page = refused.content.decode()
    assert refused.status_code == 409
    assert "您使用优惠码“ONCE”的次数已达上限。" in page
    assert "您的订单未提交；请核对总额后再次下单。" in page  # noqa: RUF001
    assert "优惠码 ONCE" not in page  # the summary is priced again, without the code
    assert refused.context["form"].pricing.discount_total == D("0.00")
    assert cart_coupon_get(session=client.session) == ""
    assert not Order.objects.exists()
    variant.refresh_from_db()
    assert variant.stock == 5


def test_a_sale_that_ends_while_the_page_is_open_stops_the_order_until_the_new_total_is_shown(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("199.00"), sale_price=D("149.00"), stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    page = client.get(reverse("orders:checkout")).content.decode()
    assert 'name="goods_total_seen" value="149.00"' in page
    token = client.get(reverse("orders:checkout")).context["form"].token_for_render
    variant.sale_price = None  # the sale ended meanwhile
    variant.save()
    data = checkout_post(shipping=shipping, token=token, goods_total_seen="149.00")

    refused = client.post(reverse("orders:checkout"), data)

    assert refused.status_code == 400
    assert "your items now come to ¥199.00 (they were ¥149.00)" in refused.content.decode()
    assert 'name="goods_total_seen" value="199.00"' in refused.content.decode()
    assert not Order.objects.exists()

    placed = client.post(reverse("orders:checkout"), {**data, "goods_total_seen": "199.00"})

    assert placed.status_code == 302
    assert Order.objects.get().subtotal == D("199.00")


def _cart_without_coupon(client, variant) -> str:
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    return client.get(reverse("orders:checkout")).context["form"].token_for_render


def test_place_order_pressed_with_a_code_typed_places_the_order_with_it(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    CouponFactory(code="SAVE10", value=D("10"))
    token = _cart_without_coupon(client, variant)
    data = {**checkout_post(shipping=shipping, token=token), "code": " save10 ", "place": "1"}

    response = client.post(reverse("orders:checkout"), data)

    order = Order.objects.get()
    assert response["Location"] == order.get_access_url()
    assert (order.discount_total, order.grand_total) == (D("10.00"), D("102.00"))
    assert order.discounts.get().label == "SAVE10"
    # A code that applied is not a refused try.
    assert not RateLimitHit.objects.exists()


def test_a_code_typed_with_the_order_replaces_the_one_applied_before(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    CouponFactory(code="SAVE10", value=D("10"))
    CouponFactory(code="SAVE20", value=D("20"))
    token = _cart_with_coupon(client, variant, "SAVE10")
    data = {**checkout_post(shipping=shipping, token=token), "code": "SAVE20", "place": "1"}

    client.post(reverse("orders:checkout"), data)

    assert list(Order.objects.get().discounts.values_list("label", "amount")) == [("SAVE20", D("20.00"))]


def test_a_refused_code_typed_with_the_order_places_nothing_counts_the_try_and_keeps_the_applied_code(client):
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    CouponFactory(code="SAVE10", value=D("10"))
    token = _cart_with_coupon(client, variant, "SAVE10")
    typed = {"code": "NOPE", "place": "1"}
    data = {**checkout_post(shipping=shipping, token=token, full_name="Mei Chen"), **typed}

    refused = client.post(reverse("orders:checkout"), data)

    page = refused.content.decode()
    assert refused.status_code == 409
    assert "We don&#x27;t know the code “NOPE”" in page
    assert "Your order was not placed; please check the total and place it again." in page
    assert 'value="Mei Chen"' in page
    assert not Order.objects.exists()
    assert RateLimitHit.objects.filter(scope=COUPON_TRY_SCOPE).count() == 1
    assert cart_coupon_get(session=client.session) == "SAVE10"

    placed = client.post(reverse("orders:checkout"), {**data, "code": ""})

    assert placed.status_code == 302
    assert Order.objects.get().discounts.get().label == "SAVE10"


def test_codes_typed_with_the_order_count_against_the_clients_refused_tries(client, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 1
    shipping = standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    CouponFactory(code="SAVE10", value=D("10"))
    token = _cart_without_coupon(client, variant)
    data = {**checkout_post(shipping=shipping, token=token), "place": "1"}

    wrong = client.post(reverse("orders:checkout"), {**data, "code": "NOPE"})
    right_but_too_late = client.post(reverse("orders:checkout"), {**data, "code": "SAVE10"})

    assert (wrong.status_code, right_but_too_late.status_code) == (409, 429)
    assert "You have tried too many codes." in right_but_too_late.content.decode()
    assert not Order.objects.exists()


def test_a_code_typed_with_the_order_that_ends_free_shipping_is_applied_and_shown_first(client):
    shipping = standard_shipping()  # ¥12.00, free from ¥199.00
    variant = VariantFactory(price=D("100.00"), stock=5)
    CouponFactory(code="SAVE10", kind="percentage", value=D("10"))
    token = _cart_without_coupon(client, variant)  # ¥200.00 of goods: shipping shown free
    data = {
        **checkout_post(shipping=shipping, token=token, full_name="Mei Chen"),
        "code": "save10",
        "place": "1",
    }

    response = client.post(reverse("orders:checkout"), data, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [(reverse("orders:checkout"), 302)]
    assert not Order.objects.exists()
    assert "Shipping for this order now comes to ¥12.00 (the page showed ¥0.00)." in page
    assert cart_coupon_get(session=client.session) == "SAVE10"
    assert 'value="Mei Chen"' in page
    assert not RateLimitHit.objects.exists()  # the code applied: not a refused try

    placed = client.post(reverse("orders:checkout"), {**data, "code": ""})

    order = Order.objects.get()
    assert placed.status_code == 302
    assert (order.discount_total, order.shipping_total, order.grand_total) == (
        D("20.00"),
        D("12.00"),
        D("192.00"),
    )


def test_placing_refuses_a_shipping_price_other_than_the_one_shown_and_writes_nothing():
    standard_shipping()
    variant = VariantFactory(price=D("50.00"), stock=5)
    checkout = checkout_data(shipping_total_seen=D("0.00"))  # the page said free; it costs ¥12.00

    with pytest.raises(ShippingPriceChanged) as changed:
        order_place(cart=cart_with((variant, 1)), checkout=checkout, token=uuid.uuid4())

    assert (changed.value.seen, changed.value.now) == (D("0.00"), D("12.00"))
    assert not Order.objects.exists()
    variant.refresh_from_db()
    assert variant.stock == 5
