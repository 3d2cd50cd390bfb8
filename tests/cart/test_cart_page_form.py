"""The cart page posts every line's quantity at once, so "Check out" never drops a typed quantity."""

import pytest
from django.urls import reverse

from tests.cart.test_cart_views import cart_in, messages_of
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"


def fill_cart(client, *quantities_by_variant) -> None:
    session = client.session
    session["cart"] = {str(variant.pk): quantity for variant, quantity in quantities_by_variant}
    session.save()


def post_lines(client, data: dict, *, checkout: bool = False):
    if checkout:
        data = {**data, "next": CHECKOUT}
    return client.post(reverse("cart:lines_update"), data)


def test_check_out_saves_the_quantities_typed_without_pressing_update(client):
    tea = VariantFactory(stock=10)
    cup = VariantFactory(stock=10)
    fill_cart(client, (tea, 1), (cup, 2))

    response = post_lines(client, {f"quantity-{tea.pk}": "3", f"quantity-{cup.pk}": "2"}, checkout=True)

    assert response.status_code == 302
    assert response["Location"] == CHECKOUT
    assert cart_in(client) == {str(tea.pk): 3, str(cup.pk): 2}
    assert messages_of(response) == ["Your cart was updated."]


def test_check_out_with_nothing_changed_goes_straight_on_and_says_nothing(client):
    tea = VariantFactory(stock=10)
    fill_cart(client, (tea, 2))

    response = post_lines(client, {f"quantity-{tea.pk}": "2"}, checkout=True)

    assert response["Location"] == CHECKOUT
    assert messages_of(response) == []


def test_update_sets_every_line_and_stays_on_the_cart(client):
    tea = VariantFactory(stock=10)
    cup = VariantFactory(stock=10)
    fill_cart(client, (tea, 1), (cup, 2))

    response = post_lines(client, {f"quantity-{tea.pk}": "4", f"quantity-{cup.pk}": "0"})

    assert response["Location"] == reverse("cart:detail")
    assert cart_in(client) == {str(tea.pk): 4}
    assert messages_of(response) == ["Your cart was updated."]


def test_a_quantity_above_the_stock_is_capped_and_keeps_the_shopper_on_the_cart(client):
    tea = VariantFactory(stock=3, product=ProductFactory(name="Teapot"))
    fill_cart(client, (tea, 1))

    response = post_lines(client, {f"quantity-{tea.pk}": "5"}, checkout=True)

    assert response["Location"] == reverse("cart:detail")
    assert cart_in(client) == {str(tea.pk): 3}
    assert messages_of(response) == ["Only 3 of “Teapot” are available, so your cart now holds 3."]


def test_a_line_sold_out_meanwhile_is_refused_and_the_others_are_set(client):
    tea = VariantFactory(stock=5, product=ProductFactory(name="Teapot"))
    cup = VariantFactory(stock=5)
    fill_cart(client, (tea, 1), (cup, 1))
    tea.stock = 0
    tea.save(update_fields=["stock"])

    response = post_lines(client, {f"quantity-{tea.pk}": "2", f"quantity-{cup.pk}": "3"}, checkout=True)

    assert response["Location"] == reverse("cart:detail")
    assert cart_in(client) == {str(tea.pk): 1, str(cup.pk): 3}
    assert messages_of(response) == ["Sorry, “Teapot” is sold out.", "Your cart was updated."]


def test_lowering_one_variant_makes_room_for_another_under_the_products_maximum(client):
    product = ProductFactory(max_per_order=4)
    small = VariantFactory(product=product, stock=10)
    large = VariantFactory(product=product, stock=10)
    fill_cart(client, (small, 3), (large, 1))

    response = post_lines(client, {f"quantity-{small.pk}": "1", f"quantity-{large.pk}": "3"}, checkout=True)

    assert response["Location"] == CHECKOUT
    assert cart_in(client) == {str(small.pk): 1, str(large.pk): 3}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("two", "Enter the quantity as a whole number."),
        ("-1", "Enter a quantity of 0 or more (0 removes the item)."),
        ("1000", "You can order at most 999 of an item at a time."),
    ],
)
def test_a_bad_quantity_changes_nothing_and_says_why(client, quantity, message):
    tea = VariantFactory(stock=10)
    cup = VariantFactory(stock=10)
    fill_cart(client, (tea, 1), (cup, 1))

    response = post_lines(client, {f"quantity-{tea.pk}": quantity, f"quantity-{cup.pk}": "5"}, checkout=True)

    assert response["Location"] == reverse("cart:detail")
    assert cart_in(client) == {str(tea.pk): 1, str(cup.pk): 1}
    assert messages_of(response) == [message]


def test_a_variant_not_in_the_cart_is_not_added_by_the_cart_form(client):
    tea = VariantFactory(stock=10)
    stranger = VariantFactory(stock=10)
    fill_cart(client, (tea, 1))

    post_lines(client, {f"quantity-{tea.pk}": "1", f"quantity-{stranger.pk}": "5", "quantity-x": "9"})

    assert cart_in(client) == {str(tea.pk): 1}


def test_check_out_only_goes_on_to_a_same_site_address(client):
    tea = VariantFactory(stock=10)
    fill_cart(client, (tea, 1))

    response = client.post(
        reverse("cart:lines_update"), {f"quantity-{tea.pk}": "1", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("cart:detail")


def test_the_cart_page_is_one_form_whose_check_out_button_posts_the_quantities(client):
    tea = VariantFactory(stock=10)
    fill_cart(client, (tea, 2))

    html = client.get(reverse("cart:detail")).content.decode()

    assert f'action="{reverse("cart:lines_update")}"' in html
    assert f'name="quantity-{tea.pk}" value="2"' in html
    assert f'type="submit" name="next" value="{CHECKOUT}" form="cart-form"' in html
    assert f'form="cart-remove-{tea.pk}"' in html


@pytest.mark.parametrize("target", ["abc", "-1", "cart:detail", "//evil.example/"])
def test_a_next_that_is_not_a_path_on_this_site_goes_back_to_the_cart(client, target):
    tea = VariantFactory(stock=10)
    fill_cart(client, (tea, 1))

    response = client.post(reverse("cart:lines_update"), {f"quantity-{tea.pk}": "1", "next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("cart:detail")
