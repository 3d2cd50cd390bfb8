import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, ProductFactory, UserFactory, VariantFactory
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
    assert order.phone == "138 0013 8000"
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
        ("phone", "call me", "Enter a phone number of digits, spaces or dashes, for example 138 0013 8000."),
        ("city", "", "This field is required."),
        ("province", "", "Enter the province."),
        ("postal_code", "12AB", "A postal code in China has six digits."),
        ("country", "XX", "Select a valid choice. XX is not one of the available choices."),
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

    response = client.post(reverse("orders:checkout"), checkout_post(shipping=shipping, token=token, city=""))

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
