import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, access_token_generate, order_number_generate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_order(*, email: str, user=None, grand_total: str = "25.00") -> Order:
    return Order.objects.create(
        number=order_number_generate(),
        checkout_token=uuid.uuid4(),
        access_token=access_token_generate(),
        user=user,
        email=email,
        full_name="Ann Lee",
        phone="13800138000",
        city="Hangzhou",
        address_line1="18 West Lake Road",
        shipping_method_name="Standard",
        payment_method="bank_transfer",
        subtotal=Decimal(grand_total),
        grand_total=Decimal(grand_total),
    )


def test_order_history_lists_own_orders_and_guest_orders_of_the_verified_email_only(client):
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())
    own = make_order(email="ann@example.com", user=user, grand_total="25.00")
    guest = make_order(email="ANN@Example.com", grand_total="12.50")
    someone_elses = make_order(email="bob@example.com", user=UserFactory(email="bob@example.com"))
    other_guest = make_order(email="carol@example.com")
    client.force_login(user)

    response = client.get(reverse("account:orders"))

    page = response.content.decode()
    assert response.status_code == 200
    assert [order.number for order in response.context["orders"]] == [guest.number, own.number]
    assert someone_elses.number not in page
    assert other_guest.number not in page
    assert "¥25.00" in page
    assert "¥12.50" in page


def test_guest_orders_stay_hidden_until_the_email_is_verified(client):
    user = UserFactory(email="ann@example.com")
    own = make_order(email="ann@example.com", user=user)
    guest = make_order(email="ann@example.com")
    client.force_login(user)

    response = client.get(reverse("account:orders"))

    assert [order.number for order in response.context["orders"]] == [own.number]
    assert guest.number not in response.content.decode()


def test_each_listed_order_links_to_a_page_its_customer_can_open(client):
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())
    own = make_order(email="ann@example.com", user=user)
    guest = make_order(email="ann@example.com")
    client.force_login(user)

    page = client.get(reverse("account:orders")).content.decode()

    for order in (own, guest):
        link = next(
            part.split('"')[0] for part in page.split('href="')[1:] if order.number in part.split('"')[0]
        )
        assert client.get(link).status_code == 200


def test_account_page_shows_the_latest_orders(client):
    user = UserFactory(email="ann@example.com")
    orders = [make_order(email="ann@example.com", user=user) for _ in range(7)]
    client.force_login(user)

    response = client.get(reverse("account:home"))

    assert [order.number for order in response.context["orders"]] == [
        order.number for order in orders[::-1][:5]
    ]
    assert f'href="{reverse("account:orders")}"' in response.content.decode()


def test_order_history_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())
    for _ in range(15):
        make_order(email="ann@example.com", user=user)
        make_order(email="ann@example.com")
    client.force_login(user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("account:orders"))

    assert len(response.context["orders"]) == 20


def test_order_history_survives_a_garbage_page_number(client):
    user = UserFactory()
    make_order(email=user.email, user=user)
    client.force_login(user)

    responses = [
        client.get(reverse("account:orders"), {"page": page}) for page in ("abc", "-1", "999999", "1" * 40)
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]


def test_order_history_is_for_signed_in_customers(client):
    response = client.get(reverse("account:orders"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:login"))
