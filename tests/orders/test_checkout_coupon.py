"""Discounts at checkout: the code and discount lines, totals per shipping method, its coupon form."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cart.pricing import cart_pricing_get
from cart.selectors import cart_get
from orders.forms import CheckoutForm
from orders.models import Order
from promotions.models import Coupon, CouponCustomerUse
from tests.factories import (
    CouponFactory,
    OrderFactory,
    PromotionFactory,
    ShippingMethodFactory,
    UserFactory,
    VariantFactory,
)
from tests.orders.helpers import checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def fill_cart(client, *items, coupon: str = "") -> None:
    session = client.session
    session["cart"] = {str(variant.pk): quantity for variant, quantity in items}
    if coupon:
        session["coupon"] = coupon
    session.save()


@pytest.fixture
def shipping():
    return {
        "standard": standard_shipping(),  # ¥12.00, free from ¥199.00
        "express": ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), position=2),
    }


@pytest.fixture
def cart_with_promotion_and_code(client):
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    fill_cart(
        client,
        (VariantFactory(price=Decimal("149.00")), 1),
        (VariantFactory(price=Decimal("56.99")), 1),
        coupon="SAVE10",
    )


def test_the_summary_shows_the_code_each_discount_and_a_total_per_method_on_the_goods_after_discounts(
    client, shipping, cart_with_promotion_and_code
):
    response = client.get(reverse("orders:checkout"))

    page = response.content.decode()
    form = response.context["form"]
    assert [(option.method.code, option.price, option.total) for option in form.shipping_totals] == [
        # ¥205.99 before discounts would ship free with Standard; ¥167.39 after them does not.
        ("standard", Decimal("12.00"), Decimal("179.39")),
        ("express", Decimal("25.00"), Decimal("192.39")),
    ]
    assert "Standard: ¥12.00" in page
    assert '<dt class="discount-label">Holiday</dt>\n<dd class="discount-amount">&minus;¥20.00</dd>' in page
    assert "Coupon code SAVE10" in page
    assert "&minus;¥18.60" in page
    assert '<dd class="goods-total">¥167.39</dd>' in page
    assert "<strong>¥179.39</strong>" in page
    assert "<strong>¥192.39</strong>" in page


def test_a_discount_that_takes_the_goods_under_the_free_shipping_threshold_brings_shipping_back(
    client, shipping
):
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00")])
    fill_cart(client, (VariantFactory(price=Decimal("210.00")), 1))

    form = client.get(reverse("orders:checkout")).context["form"]

    # ¥210.00 ships free with Standard (from ¥199.00); ¥190.00 after the discount does not.
    assert form.shipping_totals[0].price == Decimal("12.00")
    assert form.shipping_totals[0].total == Decimal("202.00")


def test_a_free_shipping_code_makes_every_method_free(client, shipping):
    CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING)
    fill_cart(client, (VariantFactory(price=Decimal("40.00")), 1), coupon="SHIPFREE")

    response = client.get(reverse("orders:checkout"))

    page = response.content.decode()
    assert [option.total for option in response.context["form"].shipping_totals] == [
        Decimal("40.00"),
        Decimal("40.00"),
    ]
    assert "Standard: free" in page
    assert "Express: free" in page
    assert '<dd class="discount-amount">Free shipping</dd>' in page


def test_the_checkout_pages_coupon_field_posts_the_checkout_form_so_the_details_typed_are_kept(
    client, shipping
):
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    fill_cart(client, (VariantFactory(price=Decimal("100.00")), 1))
    page = client.get(reverse("orders:checkout")).content.decode()
    assert f'formaction="{reverse("orders:checkout_coupon_apply")}"' in page
    typed = {"email": "mei@example.com", "full_name": "王美", "city": "杭州市", "next": CHECKOUT}

    response = client.post(reverse("orders:checkout_coupon_apply"), {**typed, "code": "save10"}, follow=True)

    assert response.redirect_chain == [(CHECKOUT, 302)]
    html = response.content.decode()
    assert "The code “SAVE10” is applied: ¥10.00 off." in html
    assert 'name="full_name" value="王美"' in html
    assert 'name="city" value="杭州市"' in html
    assert response.context["form"].pricing.coupon_code == "SAVE10"


def test_applying_a_code_on_the_checkout_page_comes_back_to_it_with_the_discount(client, shipping):
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    fill_cart(client, (VariantFactory(price=Decimal("100.00")), 1))

    response = client.post("/cart/coupon/", {"code": "save10", "next": CHECKOUT}, follow=True)

    assert response.redirect_chain == [(CHECKOUT, 302)]
    assert [option.total for option in response.context["form"].shipping_totals] == [
        Decimal("102.00"),
        Decimal("115.00"),
    ]
    assert "The code “SAVE10” is applied: ¥10.00 off." in response.content.decode()


def test_removing_the_code_on_the_checkout_page_comes_back_to_it_with_the_details_kept(
    client, shipping, cart_with_promotion_and_code
):
    page = client.get(reverse("orders:checkout")).content.decode()
    assert f'form="checkout-form" formaction="{reverse("orders:checkout_coupon_remove")}"' in page

    response = client.post(
        reverse("orders:checkout_coupon_remove"), {"full_name": "Mei Chen", "next": CHECKOUT}, follow=True
    )

    assert response.redirect_chain == [(CHECKOUT, 302)]
    assert "Coupon code SAVE10" not in response.content.decode()
    assert 'name="full_name" value="Mei Chen"' in response.content.decode()


def test_a_first_order_code_is_removed_at_checkout_for_a_customer_who_ordered_before(client, shipping):
    CouponFactory(code="WELCOME", first_order_only=True)
    user = UserFactory(email="mei@example.com")
    OrderFactory(user=user, email="mei@example.com")
    client.force_login(user)
    fill_cart(client, (VariantFactory(), 1), coupon="WELCOME")

    response = client.get(reverse("orders:checkout"))

    assert messages_of(response) == [
        "The code “WELCOME” is for a first order only. We have removed it from your cart."
    ]
    assert "coupon" not in client.session


def test_a_first_order_code_stays_for_a_customer_whose_only_order_was_cancelled(client, shipping):
    CouponFactory(code="WELCOME", first_order_only=True)
    user = UserFactory(email="mei@example.com")
    OrderFactory(user=user, email="mei@example.com", cancelled_at=timezone.now())
    client.force_login(user)
    fill_cart(client, (VariantFactory(), 1), coupon="WELCOME")

    response = client.get(reverse("orders:checkout"))

    assert messages_of(response) == []
    assert response.context["form"].pricing.coupon_code == "WELCOME"


def test_a_once_per_customer_code_is_removed_at_checkout_for_a_customer_who_used_it(client, shipping):
    coupon = CouponFactory(code="ONCE", uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="mei@example.com", uses=1)
    client.force_login(UserFactory(email="mei@example.com"))
    fill_cart(client, (VariantFactory(), 1), coupon="ONCE")

    response = client.get(reverse("orders:checkout"))

    assert messages_of(response) == [
        "You have already used the code “ONCE” as many times as it allows. We have removed it from your cart."
    ]


def test_a_code_that_expires_before_place_order_stops_the_order_until_the_new_total_was_shown(
    client, shipping
):
    coupon = CouponFactory(code="FLASH", valid_until=timezone.now() + timedelta(hours=1))
    fill_cart(client, (VariantFactory(price=Decimal("100.00")), 1), coupon="FLASH")
    client.get(reverse("orders:checkout"))
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    post = checkout_post(shipping=shipping["standard"], token=uuid.uuid4())

    refused = client.post(reverse("orders:checkout"), post)
    placed = client.post(reverse("orders:checkout"), post)

    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == [
        "The code “FLASH” has expired. We have removed it from your cart."
    ]
    assert "Coupon code FLASH" not in refused.content.decode()
    assert placed.status_code == 302
    assert Order.objects.get().grand_total == Decimal("112.00")


def test_the_checkout_details_carry_the_applied_code_for_order_placement(shipping):
    CouponFactory(code="SAVE10")
    session = {"cart": {str(VariantFactory().pk): 1}, "coupon": "SAVE10"}
    pricing = cart_pricing_get(session=session, cart=cart_get(session=session))
    form = CheckoutForm(
        checkout_post(shipping=shipping["standard"], token=uuid.uuid4()),
        pricing=pricing,
    )

    assert form.is_valid(), form.errors
    assert form.checkout_data(user=None, language="en").coupon_code == "SAVE10"


@pytest.mark.parametrize("lines", [1, 5])
def test_the_checkout_page_with_a_promotion_and_a_code_takes_the_same_queries_however_many_lines(
    client, shipping, lines, django_assert_num_queries
):
    PromotionFactory(tiers=[("10.00", "1.00")])
    CouponFactory(code="SAVE10")
    fill_cart(client, *((VariantFactory(), 1) for _ in range(lines)), coupon="SAVE10")
    client.get(reverse("orders:checkout"))

    # Session, cart, the promotion with its product and category ids and tiers (1: it was 4,
    # with prefetches), the coupon with its product and category ids (1), shipping methods,
    # catalogue revision.
    with django_assert_num_queries(6):
        response = client.get(reverse("orders:checkout"))

    assert response.context["form"].pricing.coupon_code == "SAVE10"


def test_submitting_a_checkout_with_a_code_twice_makes_one_order_and_shows_it(client, shipping):
    CouponFactory(code="SAVE10")
    fill_cart(client, (VariantFactory(stock=5), 1), coupon="SAVE10")
    data = checkout_post(shipping=shipping["standard"], token=uuid.uuid4())

    first = client.post(reverse("orders:checkout"), data)
    second = client.post(reverse("orders:checkout"), data)

    assert Order.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert "coupon" not in client.session


def test_enter_with_a_code_typed_but_not_applied_applies_it_instead_of_placing_the_order(client, shipping):
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    fill_cart(client, (VariantFactory(price=Decimal("100.00")), 1))
    token = client.get(reverse("orders:checkout")).context["form"].token_for_render
    data = {**checkout_post(shipping=shipping["standard"], token=token), "code": "save10", "next": CHECKOUT}

    response = client.post(CHECKOUT, data, follow=True)

    assert response.redirect_chain == [(CHECKOUT, 302)]
    assert not Order.objects.exists()
    assert response.context["form"].pricing.coupon_code == "SAVE10"
    assert 'name="full_name" value="Ann Lee"' in response.content.decode()
