import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, ProductFactory, ShippingMethodFactory, UserFactory, VariantFactory
from tests.orders.helpers import checkout_post, standard_shipping

pytestmark = pytest.mark.django_db


def fill_cart(client, variant, quantity: int = 1) -> None:
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_checkout_page_shows_the_form_with_a_fresh_token_and_the_summary(client):
    standard_shipping()
    variant = VariantFactory(product=ProductFactory(name="Linen Shirt"), price=Decimal("49.90"))
    fill_cart(client, variant, 2)

    response = client.get(reverse("orders:checkout"))

    page = response.content.decode()
    token = response.context["form"].token_for_render
    assert response.status_code == 200
    assert uuid.UUID(token)
    assert f'name="checkout_token" value="{token}"' in page
    assert "Linen Shirt" in page
    assert "¥99.80" in page
    assert "Standard: ¥12.00" in page
    assert "Bank transfer" in page
    assert "Cash on delivery" in page


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get(reverse("orders:checkout"))

    assert response["Location"] == reverse("cart:detail")
    assert messages_of(response) == ["Your cart is empty."]


def test_signed_in_customer_gets_details_prefilled_from_the_last_order(client):
    user = UserFactory(email="ann@example.com", full_name="")
    OrderFactory(user=user, city="Suzhou", address_line1="1 Canal Street", phone="13900000000")
    client.force_login(user)
    fill_cart(client, VariantFactory())

    form = client.get(reverse("orders:checkout")).context["form"]

    assert form.initial["email"] == "ann@example.com"
    assert form.initial["city"] == "Suzhou"
    assert form.initial["address_line1"] == "1 Canal Street"
    assert form.initial["phone"] == "13900000000"


def test_placing_the_order_redirects_to_it_clears_the_cart_and_takes_stock(client):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5, price=Decimal("20.00"))
    fill_cart(client, variant, 2)
    token = uuid.uuid4()

    response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    order = Order.objects.get()
    variant.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == order.get_access_url()
    assert order.checkout_token == token
    assert order.grand_total == Decimal("52.00")
    assert order.phone == "+8613800138000"
    assert variant.stock == 3
    assert client.session.get("cart") is None
    assert client.get(response["Location"]).status_code == 200


def test_a_signed_in_customer_places_an_order_on_their_account(client):
    user = UserFactory()
    client.force_login(user)
    shipping = standard_shipping()
    fill_cart(client, VariantFactory())

    client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=uuid.uuid4()))

    assert Order.objects.get().user == user


def test_submitting_the_same_checkout_twice_makes_one_order_and_shows_it(client):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5)
    fill_cart(client, variant, 1)
    data = checkout_post(shipping=shipping, token=uuid.uuid4())

    first = client.post(reverse("orders:checkout"), data)
    second = client.post(reverse("orders:checkout"), data)

    variant.refresh_from_db()
    assert Order.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert variant.stock == 4


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        (
            "phone",
            "call me",
            "Enter a phone number that is valid in the country or region of the address, "
            "or start it with + and the country code.",
        ),
        (
            "phone",
            "010 6552 9988",
            "Enter a mainland China mobile number of 11 digits, for example 138 0013 8000 "
            "(with or without +86).",
        ),
        ("city_code", "", "Choose a city."),
        ("province_code", "", "Choose a province."),
        ("district_code", "999999", "That district is not in our list; please choose one from the list."),
        (
            "postal_code",
            "12AB",
            "Enter a postal code in the format used in China (mainland), for example 310000.",
        ),
        ("country", "XX", "Choose a country or region from the list."),
        ("shipping_method", "999999", "That shipping method is not available; please choose another."),
        ("shipping_method", "abc", "That shipping method is not available; please choose another."),
        (
            "shipping_method",
            "99999999999999999999999",
            "That shipping method is not available; please choose another.",
        ),
        ("payment_method", "bitcoin", "That payment method is not available; please choose another."),
        (
            "checkout_token",
            "not-a-uuid",
            "This form has expired. Please check your details and submit it again.",
        ),
        ("note", "x" * 1001, "Ensure this value has at most 1000 characters (it has 1001)."),
    ],
)
def test_bad_checkout_fields_are_explained_with_a_400_and_nothing_is_placed(client, field, value, message):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5)
    fill_cart(client, variant, 1)

    response = client.post(
        reverse("orders:checkout"),
        checkout_post(shipping=shipping, token=uuid.uuid4(), **{field: value}),
    )

    variant.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Order.objects.count() == 0
    assert variant.stock == 5
    assert client.session["cart"] == {str(variant.pk): 1}


def test_a_rejected_form_keeps_its_valid_token(client):
    shipping = standard_shipping()
    fill_cart(client, VariantFactory())
    token = uuid.uuid4()

    response = client.post(
        reverse("orders:checkout"), checkout_post(shipping=shipping, token=token, city_code="")
    )

    assert f'name="checkout_token" value="{token}"' in response.content.decode()


def test_cash_on_delivery_is_refused_outside_mainland_china(client):
    shipping = standard_shipping()
    fill_cart(client, VariantFactory())

    response = client.post(
        reverse("orders:checkout"),
        checkout_post(shipping=shipping, token=uuid.uuid4(), country="HK", payment_method="cod"),
    )

    assert response.status_code == 400
    assert "Cash on delivery is not available for this country or region." in response.content.decode()


def test_an_item_sold_out_meanwhile_sends_the_shopper_back_to_the_cart_saying_what_is_left(client):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5, product=ProductFactory(name="Teapot"))
    fill_cart(client, variant, 3)
    variant.stock = 2
    variant.save()

    response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=uuid.uuid4()))

    variant.refresh_from_db()
    assert response["Location"] == reverse("cart:detail")
    assert messages_of(response)[-1] == "Only 2 of “Teapot” are left."
    assert variant.stock == 2
    assert Order.objects.count() == 0
    assert client.session["cart"] == {str(variant.pk): 3}


def test_checkout_answers_only_get_and_post(client):
    assert client.put(reverse("orders:checkout")).status_code == 405


def test_two_tabs_share_one_token_so_their_submits_make_one_order(client):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5)
    fill_cart(client, variant, 1)
    first_tab = client.get(reverse("orders:checkout")).context["form"].token_for_render
    second_tab = client.get(reverse("orders:checkout")).context["form"].token_for_render

    placed = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=first_tab))
    again = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=second_tab))

    assert first_tab == second_tab
    assert Order.objects.count() == 1
    assert again["Location"] == placed["Location"]


def test_another_sessions_token_does_not_lead_to_its_order():
    shipping = standard_shipping()
    buyer, stranger = Client(), Client()
    fill_cart(buyer, VariantFactory())
    token = buyer.get(reverse("orders:checkout")).context["form"].token_for_render
    placed = buyer.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    fill_cart(stranger, VariantFactory())

    response = stranger.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    order = Order.objects.get()
    assert placed.status_code == 302
    assert response.status_code == 400
    assert (
        "This form has expired. Please check your details and submit it again." in response.content.decode()
    )
    assert order.number not in response.content.decode()
    assert order.access_token not in response.content.decode()
    assert Order.objects.count() == 1


def test_a_guest_without_a_session_yet_resubmits_to_its_own_order():
    shipping = standard_shipping()
    buyer = Client()
    token = str(uuid.uuid4())
    fill_cart(buyer, VariantFactory())

    placed = buyer.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    again = buyer.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    assert again.status_code == 302
    assert again["Location"] == placed["Location"]


def test_back_and_resubmit_shows_the_placed_order_and_keeps_a_new_cart(client):
    shipping = standard_shipping()
    fill_cart(client, VariantFactory())
    token = client.get(reverse("orders:checkout")).context["form"].token_for_render
    placed = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    later = VariantFactory()
    fill_cart(client, later)

    resubmitted = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))
    next_token = client.get(reverse("orders:checkout")).context["form"].token_for_render

    assert resubmitted["Location"] == placed["Location"]
    assert Order.objects.count() == 1
    assert client.session["cart"] == {str(later.pk): 1}
    assert next_token != token


def test_showing_the_checkout_page_takes_five_queries_and_writes_no_session(
    client, django_assert_num_queries
):
    standard_shipping()
    fill_cart(client, VariantFactory())
    first = client.get(reverse("orders:checkout")).context["form"].token_for_render

    # Session, cart, live promotions, shipping methods, catalogue revision (the fields' cache key).
    with django_assert_num_queries(5) as captured:
        response = client.get(reverse("orders:checkout"))

    statements = [query["sql"] for query in captured.captured_queries]
    assert response.status_code == 200
    assert response.context["form"].token_for_render == first
    assert not [sql for sql in statements if "django_session" in sql and not sql.startswith("SELECT")]


def test_placing_an_order_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    shipping = standard_shipping()
    variant = VariantFactory(stock=5)
    fill_cart(client, variant, 1)
    token = client.get(reverse("orders:checkout")).context["form"].token_for_render

    # Session, cart, live promotions (the page's pricing), shipping methods, the address's
    # province, city and district checked against the divisions (one query); the order's
    # transaction (savepoint, the hourly order count per IP and email, the lines' products locked
    # before their stock, stock returning the variants (the snapshot's read went), the live
    # promotions at the moment of placing, order, lines, event, both emails, one task to send
    # them, release); the session saved.
    with django_assert_num_queries(17):
        response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token))

    assert response["Location"] == Order.objects.get().get_access_url()


def test_a_signed_in_customers_details_never_reach_a_guests_checkout_page(client):
    user = UserFactory(email="ann@example.com")
    OrderFactory(user=user, city="Suzhou", address_line1="1 Canal Street", phone="13900000000")
    client.force_login(user)
    fill_cart(client, VariantFactory())
    guest = Client()
    fill_cart(guest, VariantFactory())
    guest.get(reverse("orders:checkout"))

    customers_page = client.get(reverse("orders:checkout")).content.decode()
    guests_page = guest.get(reverse("orders:checkout")).content.decode()

    assert "1 Canal Street" in customers_page
    assert "1 Canal Street" not in guests_page
    assert "ann@example.com" not in guests_page


def test_the_checkout_page_shows_todays_shipping_prices_and_the_shoppers_language(client):
    shipping = standard_shipping()
    fill_cart(client, VariantFactory(price=Decimal("10.00")))
    client.get(reverse("orders:checkout"))
    shipping.price = Decimal("15.00")
    shipping.save()

    english = client.get(reverse("orders:checkout")).content.decode()
    chinese = client.get(reverse("orders:checkout"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Standard: ¥15.00" in english
    assert "Standard: ¥12.00" not in english
    assert "姓名" in chinese
    assert "Full name" not in chinese


def test_each_guest_gets_a_token_of_their_own_from_the_cached_form(client):
    standard_shipping()
    fill_cart(client, VariantFactory())
    guest = Client()
    fill_cart(guest, VariantFactory())

    mine = client.get(reverse("orders:checkout")).content.decode()
    theirs = guest.get(reverse("orders:checkout")).content.decode()

    my_token = re.search(r'name="checkout_token" value="([^"]+)"', mine).group(1)
    their_token = re.search(r'name="checkout_token" value="([^"]+)"', theirs).group(1)
    assert my_token != their_token
    assert mine.count('name="checkout_token"') == theirs.count('name="checkout_token"') == 1


def test_the_checkout_shows_the_total_with_each_shipping_method_before_placing(client):
    ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), free_above=None)
    fill_cart(client, VariantFactory(price=Decimal("99.00")))

    page = client.get(reverse("orders:checkout")).content.decode()

    totals = re.findall(
        r'data-shipping-method="\d+">\s*<dt>([^<]+)</dt>\s*<dd><strong>([^<]+)</strong>', page
    )
    assert ("Total with Express shipping", "¥124.00") in totals
    assert ("Total with Standard shipping", "¥111.00") in totals
    assert page.index("checkout-totals") < page.index('class="button button-large" type="submit"')


def test_the_checkout_form_helps_phones_and_offers_to_sign_in(client):
    fill_cart(client, VariantFactory())

    page = client.get(reverse("orders:checkout")).content.decode()

    assert re.search(r'<input type="tel" name="phone"[^>]*autocomplete="tel"', page)
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', page)
    assert 'autocomplete="address-line1"' in page
    assert f'href="{reverse("account:login")}?next={reverse("orders:checkout")}"' in page
