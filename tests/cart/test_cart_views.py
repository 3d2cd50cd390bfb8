from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import ProductImage
from tests.factories import ProductFactory, UserFactory, VariantFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def cart_in(client) -> dict:
    return dict(client.session.get("cart", {}))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_add_puts_the_item_in_the_cart_and_redirects_to_the_cart(client):
    variant = VariantFactory(stock=10, product=ProductFactory(name="Linen Shirt"))

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": "2"})

    assert response.status_code == 302
    assert response["Location"] == reverse("cart:detail")
    assert cart_in(client) == {str(variant.pk): 2}
    assert messages_of(response) == ["“Linen Shirt” was added to your cart."]


def test_add_redirects_to_a_safe_next_url_only(client):
    variant = VariantFactory()

    safe = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1, "next": "/products/"})
    unsafe = client.post(
        reverse("cart:add"), {"variant": variant.pk, "quantity": 1, "next": "https://evil.example/"}
    )

    assert safe["Location"] == "/products/"
    assert unsafe["Location"] == reverse("cart:detail")


def test_add_above_the_stock_caps_the_line_and_says_so(client):
    variant = VariantFactory(stock=3, product=ProductFactory(name="Teapot"))
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    assert cart_in(client) == {str(variant.pk): 3}
    assert messages_of(response)[-1] == "Only 3 of “Teapot” are available, so your cart now holds 3."


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Enter a quantity of at least 1."),
        ("-2", "Enter a quantity of at least 1."),
        ("1000000000000000000000", "You can order at most 999 of an item at a time."),
        ("two", "Enter the quantity as a whole number."),
        ("1.5", "Enter the quantity as a whole number."),
        ("", "Enter a quantity."),
    ],
)
def test_add_with_a_bad_quantity_explains_and_leaves_the_cart_unchanged(client, quantity, message):
    variant = VariantFactory(stock=10)
    session = client.session
    session["cart"] = {str(variant.pk): 1}
    session.save()

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity})

    assert response.status_code == 302
    assert messages_of(response) == [message]
    assert cart_in(client) == {str(variant.pk): 1}


@pytest.mark.parametrize("variant_value", ["abc", "99999999", "-1", "99999999999999999999999"])
def test_add_of_an_unknown_variant_explains_and_changes_nothing(client, variant_value):
    response = client.post(reverse("cart:add"), {"variant": variant_value, "quantity": 1})

    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    assert cart_in(client) == {}


def test_add_of_an_inactive_variant_is_refused(client):
    variant = VariantFactory(is_active=False)

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    assert messages_of(response) == ["Sorry, that product is no longer available."]
    assert cart_in(client) == {}


def test_add_of_a_sold_out_variant_is_refused(client):
    variant = VariantFactory(stock=0, product=ProductFactory(name="Kettle"))

    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    assert messages_of(response) == ["Sorry, “Kettle” is sold out."]
    assert cart_in(client) == {}


def test_add_and_update_only_accept_post(client):
    assert client.get(reverse("cart:add")).status_code == 405
    assert client.get(reverse("cart:update")).status_code == 405


def test_update_sets_and_zero_removes(client):
    keep = VariantFactory(stock=10)
    drop = VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": keep.pk, "quantity": 1})
    client.post(reverse("cart:add"), {"variant": drop.pk, "quantity": 1})

    client.post(reverse("cart:update"), {"variant": keep.pk, "quantity": 4})
    response = client.post(reverse("cart:update"), {"variant": drop.pk, "quantity": 0})

    assert cart_in(client) == {str(keep.pk): 4}
    assert messages_of(response)[-1] == "Item removed from your cart."


def test_update_with_a_negative_quantity_explains_and_changes_nothing(client):
    variant = VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    response = client.post(reverse("cart:update"), {"variant": variant.pk, "quantity": -1})

    assert messages_of(response)[-1] == "Enter a quantity of 0 or more (0 removes the item)."
    assert cart_in(client) == {str(variant.pk): 2}


def test_cart_page_shows_lines_prices_totals_shipping_and_checkout(client):
    product = ProductFactory(name="Linen Shirt")
    ProductImage.objects.create(
        product=product,
        image=SimpleUploadedFile("shirt.jpg", image_bytes(size=(20, 20)), content_type="image/jpeg"),
        thumbnail_small=SimpleUploadedFile(
            "shirt-small.jpg", image_bytes(size=(8, 8)), content_type="image/jpeg"
        ),
        position=0,
    )
    variant = VariantFactory(product=product, price=Decimal("49.50"), options={"Size": "M"}, stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    response = client.get(reverse("cart:detail"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Linen Shirt" in page
    assert "Size: M" in page
    assert "¥49.50" in page
    assert "¥99.00" in page
    assert "thumbnails/shirt-small" in page
    assert "Standard: ¥12.00" in page
    assert reverse("orders:checkout") in page


def test_cart_page_ships_free_above_the_threshold(client):
    variant = VariantFactory(price=Decimal("100.00"), stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    page = client.get(reverse("cart:detail")).content.decode()

    assert "Standard: free" in page


def test_cart_page_shows_withdrawn_and_sold_out_items_and_blocks_checkout(client):
    withdrawn = VariantFactory(product=ProductFactory(name="Old Lamp"))
    sold_out = VariantFactory(product=ProductFactory(name="Rare Vase"), stock=5)
    client.post(reverse("cart:add"), {"variant": withdrawn.pk, "quantity": 1})
    client.post(reverse("cart:add"), {"variant": sold_out.pk, "quantity": 1})
    withdrawn.product.is_active = False
    withdrawn.product.save()
    sold_out.stock = 0
    sold_out.save()

    page = client.get(reverse("cart:detail")).content.decode()

    assert "No longer available. Please remove it to check out." in page
    assert "Sold out. Please remove it to check out." in page
    assert f'href="{reverse("orders:checkout")}"' not in page
    assert client.get(reverse("orders:checkout"))["Location"] == reverse("cart:detail")


def test_empty_cart_page(client):
    response = client.get(reverse("cart:detail"))

    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()


def test_cart_page_query_count_does_not_grow_with_lines(client, django_assert_max_num_queries):
    first = VariantFactory()
    client.post(reverse("cart:add"), {"variant": first.pk, "quantity": 1})
    client.get(reverse("cart:detail"))

    with CaptureQueriesContext(connection) as one_line:
        client.get(reverse("cart:detail"))
    one_line_queries = len(one_line)
    for _ in range(5):
        client.post(reverse("cart:add"), {"variant": VariantFactory().pk, "quantity": 1})

    with django_assert_max_num_queries(one_line_queries):
        response = client.get(reverse("cart:detail"))

    assert len(response.context["cart"].lines) == 6


def test_header_shows_the_cart_count_on_every_page(client):
    variant = VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 3})

    page = client.get(reverse("catalog:home")).content.decode()

    assert "data-cart-count>3</span>" in page
    assert "Cart, 3 items" in page


def test_cart_survives_signing_in(client):
    UserFactory(email="ann@example.com")
    variant = VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    response = client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert cart_in(client) == {str(variant.pk): 2}
    assert client.get(reverse("cart:detail")).context["cart"].count == 2


def test_cart_survives_signing_up_and_then_signing_in(client):
    # Signing up does not sign in (a taken address must get the same answer), so the
    # cart has to outlive the sign-up and the first sign-in with the new password.
    variant = VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    response = client.post(
        reverse("account:signup"),
        {
            "email": "new@example.com",
            "full_name": "New Customer",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    after_sign_up = cart_in(client)
    client.post(
        reverse("account:login"), {"username": "new@example.com", "password": "a-long-unusual-passphrase"}
    )

    assert response.status_code == 302
    assert after_sign_up == {str(variant.pk): 1}
    assert "_auth_user_id" in client.session
    assert cart_in(client) == {str(variant.pk): 1}


def test_adding_to_the_cart_takes_three_queries(client, django_assert_num_queries):
    first, second = VariantFactory(stock=10), VariantFactory(stock=10)
    client.post(reverse("cart:add"), {"variant": first.pk, "quantity": 1})

    # The session, the variant (for sale, with its stock), the session saved.
    with django_assert_num_queries(3):
        response = client.post(reverse("cart:add"), {"variant": second.pk, "quantity": 2})

    assert response.status_code == 302
    assert cart_in(client) == {str(first.pk): 1, str(second.pk): 2}


def test_the_cart_shows_the_total_with_shipping_and_how_much_more_ships_free(client):
    variant = VariantFactory(price=Decimal("49.50"), stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    page = client.get(reverse("cart:detail")).content.decode()

    assert '<dd class="cart-total"><strong>¥111.00</strong></dd>' in page  # 99.00 + 12.00 shipping
    assert "Add ¥100.00 more and your order ships free." in page


def test_a_cart_that_ships_free_says_so_and_promises_nothing_more(client):
    variant = VariantFactory(price=Decimal("100.00"), stock=10)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    page = client.get(reverse("cart:detail"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<dd class="cart-total"><strong>¥200.00</strong></dd>' in page
    assert "包邮" not in page
