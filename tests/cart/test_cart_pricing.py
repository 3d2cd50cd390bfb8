"""The cart priced with the live promotions and the session's coupon; a code that stops applying goes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.pricing import cart_pricing_get
from cart.selectors import cart_get
from promotions.models import Coupon, CouponCustomerUse
from tests.factories import CategoryFactory, CouponFactory, ProductFactory, PromotionFactory, VariantFactory

pytestmark = pytest.mark.django_db


def session_with(*items, coupon: str = "") -> dict:
    session = {"cart": {str(variant.pk): quantity for variant, quantity in items}}
    if coupon:
        session["coupon"] = coupon
    return session


def priced(session: dict, **customer):
    return cart_pricing_get(session=session, cart=cart_get(session=session), **customer)


def test_a_spend_and_save_promotion_then_the_coupon_come_off_the_goods():
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    tea = VariantFactory(price=Decimal("150.00"))
    cup = VariantFactory(price=Decimal("60.00"))

    pricing = priced(session_with((tea, 1), (cup, 1), coupon="SAVE10"))

    assert pricing.subtotal == Decimal("210.00")
    assert [(d.label, d.amount) for d in pricing.discounts] == [
        ("Holiday", Decimal("20.00")),
        ("SAVE10", Decimal("19.00")),
    ]
    assert pricing.coupon_code == "SAVE10"
    assert pricing.coupon_amount == Decimal("19.00")
    assert pricing.goods_total == Decimal("171.00")
    assert [(hint.spend_more, hint.save) for hint in pricing.next_tiers] == [
        (Decimal("290.00"), Decimal("60.00"))
    ]
    assert pricing.coupon_dropped == ""


def test_a_code_for_a_product_no_longer_in_the_cart_is_removed_with_the_reason():
    tea = VariantFactory(price=Decimal("150.00"))
    cup = VariantFactory(price=Decimal("60.00"))
    coupon = CouponFactory(code="TEA10")
    coupon.products.add(tea.product)
    session = session_with((cup, 1), coupon="TEA10")

    pricing = priced(session)

    assert pricing.coupon_dropped == (
        "The code “TEA10” does not apply to anything in your cart. We have removed it from your cart."
    )
    assert "coupon" not in session
    assert pricing.coupon_code == ""
    assert pricing.goods_total == Decimal("60.00")


def test_a_code_that_expired_while_shopping_is_removed_and_the_promotion_still_applies():
    PromotionFactory(name="Holiday", tiers=[("100.00", "10.00")])
    CouponFactory(code="SPRING", valid_until=timezone.now() - timedelta(seconds=1))
    tea = VariantFactory(price=Decimal("150.00"))
    session = session_with((tea, 1), coupon="SPRING")

    pricing = priced(session)

    assert pricing.coupon_dropped == "The code “SPRING” has expired. We have removed it from your cart."
    assert "coupon" not in session
    assert [(d.label, d.amount) for d in pricing.discounts] == [("Holiday", Decimal("10.00"))]


def test_a_code_whose_minimum_spend_the_cart_no_longer_reaches_is_removed_saying_how_much_is_missing():
    CouponFactory(code="BIG", kind=Coupon.Kind.FIXED, value=Decimal("30.00"), min_spend=Decimal("200.00"))
    tea = VariantFactory(price=Decimal("150.00"))
    session = session_with((tea, 1), coupon="BIG")

    pricing = priced(session)

    assert pricing.coupon_dropped == (
        "Add ¥50.00 more of the items it applies to and the code “BIG” can be used. "
        "We have removed it from your cart."
    )
    assert "coupon" not in session


def test_the_customers_own_limits_are_checked_when_they_are_known():
    coupon = CouponFactory(code="ONCE", uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="mei@example.com", uses=1)
    tea = VariantFactory(price=Decimal("150.00"))

    for_a_guest = priced(session_with((tea, 1), coupon="ONCE"))
    for_mei = priced(session_with((tea, 1), coupon="ONCE"), email_canonical="mei@example.com")

    assert for_a_guest.coupon_code == "ONCE"
    assert for_mei.coupon_dropped == (
        "You have already used the code “ONCE” as many times as it allows. We have removed it from your cart."
    )


def test_a_first_order_code_is_removed_when_the_customer_has_ordered_before():
    CouponFactory(code="WELCOME", first_order_only=True)
    tea = VariantFactory(price=Decimal("150.00"))

    first = priced(
        session_with((tea, 1), coupon="WELCOME"), email_canonical="new@example.com", first_order=True
    )
    again = priced(
        session_with((tea, 1), coupon="WELCOME"), email_canonical="mei@example.com", first_order=False
    )

    assert first.coupon_code == "WELCOME"
    assert again.coupon_dropped == (
        "The code “WELCOME” is for a first order only. We have removed it from your cart."
    )


def test_lines_that_cannot_be_bought_count_for_no_discount():
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00")])
    tea = VariantFactory(price=Decimal("150.00"))
    withdrawn = VariantFactory(price=Decimal("100.00"), is_active=False)

    pricing = priced(session_with((tea, 1), (withdrawn, 1)))

    assert pricing.subtotal == Decimal("150.00")
    assert pricing.discounts == ()


def test_a_free_shipping_code_takes_nothing_off_the_goods():
    CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING)
    tea = VariantFactory(price=Decimal("150.00"))

    pricing = priced(session_with((tea, 1), coupon="SHIPFREE"))

    assert pricing.free_shipping is True
    assert pricing.coupon_code == "SHIPFREE"
    assert pricing.coupon_amount == Decimal("0.00")
    assert pricing.goods_total == Decimal("150.00")


def test_an_empty_cart_is_priced_without_a_query_and_keeps_its_code(django_assert_num_queries):
    session = session_with(coupon="SAVE10")

    with django_assert_num_queries(0):
        pricing = cart_pricing_get(session=session, cart=cart_get(session=session))

    assert pricing.goods_total == Decimal("0.00")
    assert session["coupon"] == "SAVE10"


@pytest.mark.parametrize("lines", [1, 6])
def test_promotions_and_a_coupon_take_the_same_few_queries_however_many_lines(
    lines, django_assert_num_queries
):
    category = CategoryFactory()
    promotion = PromotionFactory(tiers=[("10.00", "1.00")])
    promotion.categories.add(category)
    coupon = CouponFactory(code="SAVE10")
    coupon.categories.add(category)
    variants = [VariantFactory(product=ProductFactory(category=category)) for _ in range(lines)]
    session = session_with(*((variant, 1) for variant in variants), coupon="SAVE10")
    cart = cart_get(session=session)

    # The promotions with their product and category ids and tiers in one query (it was four
    # with prefetches), and the sub-categories: 2; the coupon likewise, and the sub-categories: 2.
    with django_assert_num_queries(4):
        pricing = cart_pricing_get(session=session, cart=cart)

    assert pricing.coupon_code == "SAVE10"
    assert len(pricing.discounts) == 2
