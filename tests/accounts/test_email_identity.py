"""An email address is one identity in its canonical form: a lookalike address reaches nothing.

PostgreSQL's UPPER() turns the dotless i (U+0131) into "I", so comparing addresses
case-insensitively in the database made "victim@ma\u0131l.example.com", a domain anyone can
register, the same as "victim@mail.example.com".
"""

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import login_username
from accounts.privacy import account_delete
from catalog.back_in_stock import back_in_stock_request_create
from catalog.models import BackInStockRequest
from orders.models import Order
from shop.identity import email_canonical
from support.models import Ticket
from tests.factories import OrderFactory, TicketFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

VICTIM = "victim@mail.example.com"
LOOKALIKE = "victim@ma\u0131l.example.com"


def _lookalike_account():
    return UserFactory(email=LOOKALIKE, email_verified_at=timezone.now())


def test_the_lookalike_domain_is_another_identity():
    assert email_canonical(LOOKALIKE) == "victim@xn--mal-kua.example.com"
    assert email_canonical(LOOKALIKE) != email_canonical(VICTIM)
    assert email_canonical("Victim@MAIL.Example.com") == VICTIM


def test_a_lookalike_account_does_not_list_the_victims_guest_orders(client):
    order = OrderFactory(email=VICTIM, user=None)
    client.force_login(_lookalike_account())

    page = client.get(reverse("account:orders")).content.decode()

    assert order.number not in page


def test_a_verified_account_lists_its_guest_orders_whatever_the_letter_case(client):
    order = OrderFactory(email="Victim@MAIL.example.com", user=None)
    client.force_login(UserFactory(email=VICTIM, email_verified_at=timezone.now()))

    page = client.get(reverse("account:orders")).content.decode()

    assert order.number in page


def test_the_lookalike_accounts_data_download_has_none_of_the_victims_data(client):
    OrderFactory(email=VICTIM, user=None)
    TicketFactory(customer_email=VICTIM, customer=None)
    variant = VariantFactory(stock=0)
    back_in_stock_request_create(variant_id=variant.pk, email=VICTIM, language="en")
    client.force_login(_lookalike_account())

    data = json.loads(client.get(reverse("account:privacy_download")).content)

    assert data["orders"] == data["support_tickets"] == data["back_in_stock_requests"] == []


def test_deleting_the_lookalike_account_leaves_the_victims_orders_and_tickets_alone():
    order = OrderFactory(email=VICTIM, user=None)
    ticket = TicketFactory(customer_email=VICTIM, customer=None)

    account_delete(user=_lookalike_account())

    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.email, ticket.customer_email) == (VICTIM, VICTIM)
    assert Order.objects.filter(email_canonical=VICTIM).count() == 1
    assert Ticket.objects.filter(customer_email_canonical=VICTIM).count() == 1


def test_the_victim_and_the_lookalike_are_two_accounts_and_sign_in_finds_the_right_one():
    victim = UserFactory(email=VICTIM)
    lookalike = UserFactory(email=LOOKALIKE)
    users = get_user_model().objects

    assert users.get_by_natural_key("VICTIM@Mail.Example.COM") == victim
    assert users.get_by_natural_key(LOOKALIKE) == lookalike


def test_sign_in_throttling_counts_the_lookalike_apart():
    assert login_username(None, {"username": " Victim@MAIL.example.com "}) == VICTIM
    assert login_username(None, {"username": LOOKALIKE}) != VICTIM


def test_deleting_an_account_clears_its_own_sign_in_throttling_records_only():
    AccessAttempt.objects.create(username=VICTIM, ip_address="10.0.0.1", failures_since_start=1)
    lookalike = _lookalike_account()
    AccessAttempt.objects.create(
        username=email_canonical(LOOKALIKE), ip_address="10.0.0.1", failures_since_start=1
    )

    account_delete(user=lookalike)

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [VICTIM]


@pytest.mark.parametrize("address", ["\u5f20\u4e09@example.com", "\u017fam@example.com"])
def test_sign_up_refuses_an_address_with_a_non_ascii_local_part(client, address):
    response = client.post(
        reverse("account:signup"),
        {
            "email": address,
            "full_name": "Zhang San",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )

    assert response.status_code == 200
    assert "only Latin letters, digits and symbols before the @" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_back_in_stock_requests_by_address_count_only_once_the_account_verified_it(client):
    variant = VariantFactory(stock=0)
    back_in_stock_request_create(variant_id=variant.pk, email=VICTIM, language="en")
    unverified = UserFactory(email=VICTIM, email_verified_at=None)
    client.force_login(unverified)

    data = json.loads(client.get(reverse("account:privacy_download")).content)
    account_delete(user=unverified)

    assert data["back_in_stock_requests"] == []
    assert BackInStockRequest.objects.filter(email=VICTIM).count() == 1
