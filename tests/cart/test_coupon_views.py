"""Coupon codes on the cart page: applying, each refusal, removing, guessing limited, totals shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from promotions.models import Coupon, CouponCustomerUse
from tests.factories import (
    CouponFactory,
    ProductFactory,
    PromotionFactory,
    ShippingMethodFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

APPLY = "/cart/coupon/"
REMOVE = "/cart/coupon/remove/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def fill_cart(client, *items) -> None:
    session = client.session
    session["cart"] = {str(variant.pk): quantity for variant, quantity in items}
    session.save()


def applied(client) -> str | None:
    return client.session.get("coupon")


@pytest.fixture
def tea():
    return VariantFactory(price=Decimal("50.00"), stock=20, product=ProductFactory(name="Longjing"))


@pytest.mark.parametrize(
    "typed", ["save10", "  SAVE10 ", "\uff53\uff41\uff56\uff45\uff11\uff10", "Save10\u3000"]
)
def test_a_code_applies_however_it_is_typed_and_the_message_names_it_and_the_discount(client, tea, typed):
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("cart:detail")
    assert applied(client) == "SAVE10"
    assert messages_of(response) == ["The code “SAVE10” is applied: ¥5.00 off."]


def test_a_free_shipping_code_says_the_order_ships_free(client, tea):
    CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING)
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": "shipfree"})

    assert messages_of(response) == ["The code “SHIPFREE” is applied: your order ships free."]


@pytest.mark.parametrize(
    ("fields", "typed", "message"),
    [
        ({}, "nope", "We don't know the code “NOPE”. Please check it and try again."),
        ({"is_active": False}, "code", "We don't know the code “CODE”. Please check it and try again."),
        ({"valid_until": timezone.now() - timedelta(minutes=1)}, "code", "The code “CODE” has expired."),
        ({"valid_from": timezone.now() + timedelta(days=1)}, "code", "The code “CODE” cannot be used yet."),
        ({"uses_total": 5, "uses_count": 5}, "code", "The code “CODE” has been used up."),
        (
            {"kind": Coupon.Kind.FIXED, "value": Decimal("20.00"), "min_spend": Decimal("120.00")},
            "code",
            "Add ¥70.00 more of the items it applies to and the code “CODE” can be used.",
        ),
    ],
)
def test_each_refusal_has_its_own_message_and_keeps_the_code_applied_before(
    client, tea, fields, typed, message
):
    CouponFactory(code="KEPT")
    CouponFactory(code="CODE", **fields)
    fill_cart(client, (tea, 1))
    client.post(APPLY, {"code": "kept"}, follow=True)

    response = client.post(APPLY, {"code": typed})

    assert response.status_code == 302
    assert messages_of(response) == [message]
    assert applied(client) == "KEPT"


def test_a_code_for_other_products_is_refused(client, tea):
    coupon = CouponFactory(code="CUPS")
    coupon.products.add(ProductFactory())
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": "cups"})

    assert messages_of(response) == ["The code “CUPS” does not apply to anything in your cart."]
    assert applied(client) is None


def test_a_signed_in_customer_who_used_up_their_uses_is_told_so(client, tea):
    user = UserFactory(email="Mei@Example.com")
    coupon = CouponFactory(code="ONCE", uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="mei@example.com", uses=1)
    client.force_login(user)
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": "once"})

    assert messages_of(response) == ["You have already used the code “ONCE” as many times as it allows."]
    assert applied(client) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a coupon code."),
        ("   ", "Enter a coupon code."),
        ("X" * 41, "That is longer than any of our codes. Please check it and try again."),
    ],
)
def test_an_empty_or_overlong_code_is_explained_and_not_looked_up(client, tea, typed, message):
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": typed})

    assert response.status_code == 302
    assert messages_of(response) == [message]


def test_a_code_with_markup_is_shown_escaped(client, tea):
    fill_cart(client, (tea, 1))

    response = client.post(APPLY, {"code": "<b>x</b>"}, follow=True)

    page = response.content.decode()
    assert "<b>x</b>" not in page
    assert "“&lt;b&gt;x&lt;/b&gt;”" in page


def test_applying_goes_back_to_a_same_site_next_only(client, tea):
    CouponFactory(code="SAVE10")
    fill_cart(client, (tea, 1))

    to_checkout = client.post(APPLY, {"code": "save10", "next": "/checkout/"})
    elsewhere = client.post(APPLY, {"code": "save10", "next": "https://evil.example/"})

    assert to_checkout["Location"] == "/checkout/"
    assert elsewhere["Location"] == reverse("cart:detail")


def test_applying_takes_a_get_for_nothing(client):
    assert client.get(APPLY).status_code == 405
    assert client.get(REMOVE).status_code == 405


def test_removing_the_code_forgets_it_and_says_which(client, tea):
    CouponFactory(code="SAVE10")
    fill_cart(client, (tea, 1))
    client.post(APPLY, {"code": "save10"}, follow=True)

    response = client.post(REMOVE, {"next": "/checkout/"})

    assert response["Location"] == "/checkout/"
    assert applied(client) is None
    assert messages_of(response) == ["The code “SAVE10” was removed."]


def test_removing_when_no_code_is_applied_says_nothing(client):
    response = client.post(REMOVE)

    assert response.status_code == 302
    assert messages_of(response) == []


# Guessing codes ---------------------------------------------------------------------------------


def test_refused_codes_are_limited_per_client_ip_and_then_nothing_is_looked_up(client, tea, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 3
    CouponFactory(code="REAL")
    fill_cart(client, (tea, 1))
    for guess in ("AAA", "BBB", "CCC"):
        client.post(APPLY, {"code": guess}, follow=True)

    response = client.post(APPLY, {"code": "real"})

    assert response.status_code == 429
    assert messages_of(response) == [
        "You have tried too many codes. Please wait a few minutes and try again."
    ]
    assert "You have tried too many codes." in response.content.decode()
    assert applied(client) is None


def test_codes_that_apply_are_not_counted(client, tea, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 2
    CouponFactory(code="REAL")
    fill_cart(client, (tea, 1))
    for _ in range(5):
        client.post(APPLY, {"code": "real"}, follow=True)
    client.post(APPLY, {"code": "nope"}, follow=True)

    last = client.post(APPLY, {"code": "nope"})

    assert last.status_code == 302
    assert messages_of(last) == ["We don't know the code “NOPE”. Please check it and try again."]


def test_another_client_ip_has_its_own_count(client, tea, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 1
    CouponFactory(code="REAL")
    fill_cart(client, (tea, 1))
    client.post(APPLY, {"code": "nope"}, REMOTE_ADDR="203.0.113.7")

    response = client.post(APPLY, {"code": "real"}, REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 302
    assert applied(client) == "REAL"


def test_empty_codes_are_not_counted(client, tea, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 1
    CouponFactory(code="REAL")
    fill_cart(client, (tea, 1))
    for _ in range(3):
        client.post(APPLY, {"code": ""})

    response = client.post(APPLY, {"code": "real"})

    assert response.status_code == 302
    assert applied(client) == "REAL"


def test_a_limit_of_zero_turns_the_limit_off(client, tea, settings):
    settings.COUPON_TRY_LIMIT_PER_IP = 0
    fill_cart(client, (tea, 1))
    for _ in range(12):
        client.post(APPLY, {"code": "nope"})

    response = client.post(APPLY, {"code": "nope"})

    assert response.status_code == 302


# The cart page ----------------------------------------------------------------------------------


@pytest.fixture
def shipping():
    ShippingMethodFactory(
        code="standard", name="Standard", price=Decimal("12.00"), free_above=Decimal("199.00")
    )


def test_the_cart_shows_each_discount_the_code_and_totals_with_shipping_on_the_goods_after_discounts(
    client, shipping
):
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    book = VariantFactory(price=Decimal("149.00"))
    album = VariantFactory(price=Decimal("56.99"))
    fill_cart(client, (book, 1), (album, 1))
    client.post(APPLY, {"code": "save10"})

    response = client.get(reverse("cart:detail"))

    page = response.content.decode()
    pricing = response.context["pricing"]
    assert pricing.goods_total == Decimal("167.39")
    assert '<dt class="discount-label">Holiday</dt>\n<dd class="discount-amount">&minus;¥20.00</dd>' in page
    assert "Coupon code SAVE10" in page
    assert "&minus;¥18.60" in page
    assert '<dd class="goods-total">¥167.39</dd>' in page
    # ¥205.99 before discounts would ship free; ¥167.39 after them does not.
    assert '<dd class="cart-shipping">Standard: ¥12.00</dd>' in page
    assert "<strong>¥179.39</strong>" in page
    assert "Add ¥31.61 more and your order ships free." in page
    assert "Add ¥294.01 more for ¥60.00 off" in page
    assert 'form="cart-coupon-remove" aria-label="Remove code SAVE10">Remove</button>' in page
    assert f'id="cart-coupon-remove" method="post" action="{REMOVE}"' in page


def test_the_cart_ships_free_with_a_free_shipping_code(client, shipping):
    CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING)
    fill_cart(client, (VariantFactory(price=Decimal("40.00")), 1))
    client.post(APPLY, {"code": "shipfree"})

    page = client.get(reverse("cart:detail")).content.decode()

    assert "Coupon code SHIPFREE" in page
    assert '<dd class="discount-amount">Free shipping</dd>' in page
    assert '<dd class="cart-shipping">Standard: free</dd>' in page
    assert "<strong>¥40.00</strong>" in page
    assert "more and your order ships free" not in page


def test_the_coupon_form_is_its_own_form_after_the_cart_form(client, tea):
    fill_cart(client, (tea, 1))

    page = client.get(reverse("cart:detail")).content.decode()

    cart_form = page.index('<form id="cart-form"')
    cart_form_end = page.index("</form>", cart_form)
    coupon_form = page.index(f'<form class="coupon-form" method="post" action="{APPLY}">')
    assert cart_form_end < coupon_form
    assert '<label for="id_code">Coupon code:</label>' in page
    assert ">Apply</button>" in page


def test_removing_the_item_a_code_needs_removes_the_code_with_a_message(client, tea):
    cup = VariantFactory(price=Decimal("20.00"))
    coupon = CouponFactory(code="TEA10")
    coupon.products.add(tea.product)
    fill_cart(client, (tea, 1), (cup, 1))
    client.post(APPLY, {"code": "tea10"})
    client.post(reverse("cart:update"), {"variant": tea.pk, "quantity": 0})

    response = client.get(reverse("cart:detail"))

    assert messages_of(response)[-1] == (
        "The code “TEA10” does not apply to anything in your cart. We have removed it from your cart."
    )
    assert applied(client) is None
    assert "Coupon code TEA10" not in response.content.decode()


def test_a_code_that_expires_while_shopping_is_removed_with_a_message(client, tea):
    coupon = CouponFactory(code="FLASH", valid_until=timezone.now() + timedelta(hours=1))
    fill_cart(client, (tea, 1))
    client.post(APPLY, {"code": "flash"})
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("cart:detail"))

    assert messages_of(response)[-1] == "The code “FLASH” has expired. We have removed it from your cart."
    assert applied(client) is None


def test_the_cart_page_in_chinese(client, shipping):
    PromotionFactory(name="满减", tiers=[("100.00", "10.00"), ("200.00", "20.00")])
    fill_cart(client, (VariantFactory(price=Decimal("165.00")), 1))
    client.cookies["django_language"] = "zh-hans"

    refused = client.post(APPLY, {"code": "nope"})
    page = client.get(reverse("cart:detail")).content.decode()

    assert messages_of(refused) == ["没有找到优惠码“NOPE”，请核对后重试。"]  # noqa: RUF001
    assert "再买 ¥35.00，立减 ¥20.00" in page  # noqa: RUF001
    assert '<label for="id_code">优惠码：</label>' in page  # noqa: RUF001
    assert ">使用</button>" in page


def test_the_cart_page_takes_the_same_queries_however_many_lines_with_a_promotion_and_a_code(
    client, django_assert_max_num_queries
):
    PromotionFactory(tiers=[("10.00", "1.00")])
    CouponFactory(code="SAVE10")
    fill_cart(client, (VariantFactory(), 1))
    client.post(APPLY, {"code": "save10"})
    client.get(reverse("cart:detail"))
    with django_assert_max_num_queries(100) as one_line:
        client.get(reverse("cart:detail"))
    fill_cart(client, *((VariantFactory(), 1) for _ in range(6)))

    with django_assert_max_num_queries(len(one_line)):
        response = client.get(reverse("cart:detail"))

    assert len(response.context["cart"].lines) == 6
    assert response.context["pricing"].coupon_code == "SAVE10"
