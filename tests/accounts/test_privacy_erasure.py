"""A customer's data: deleting the account (orders stay, anonymised), and what stops it."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.exceptions import AccountHasOpenOrders
from accounts.privacy import account_delete
from catalog.models import BackInStockRequest
from orders.models import Order, OutboundEmail
from shop.models import User
from shop.privacy import ANONYMISED_NAME
from support.models import Message, Ticket
from tests.accounts.helpers import DELIVERED, PASSWORD, _customer
from tests.factories import (
    FapiaoRequestFactory,
    OrderFactory,
    OrderLineFactory,
    StaffUserFactory,
    TicketFactory,
    TicketMessageFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def test_deleting_the_account_anonymises_its_orders_and_keeps_their_totals(client):
    user = _customer()
    order = OrderFactory(user=user, email=user.email, note="Ring twice", **DELIVERED)
    line = OrderLineFactory(order=order, unit_price=Decimal("19.99"), line_total=Decimal("19.99"))
    guest_order = OrderFactory(user=None, email="ann@example.com", cancelled_at=timezone.now())
    email = OutboundEmail.objects.create(order=order, kind="confirmation", to_email=user.email, language="en")
    other = OrderFactory(user=UserFactory(), email="bo@example.com", full_name="Bo Chen", **DELIVERED)
    client.force_login(user)

    response = client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    order.refresh_from_db()
    guest_order.refresh_from_db()
    other.refresh_from_db()
    email.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home")
    assert not User.objects.filter(pk=user.pk).exists()
    assert "_auth_user_id" not in client.session
    for anonymised in (order, guest_order):
        assert (anonymised.user_id, anonymised.email, anonymised.full_name, anonymised.phone) == (
            None,
            "",
            ANONYMISED_NAME,
            "",
        )
        assert (anonymised.address_line1, anonymised.city, anonymised.province, anonymised.note) == (
            "",
            "",
            "",
            "",
        )
    assert (order.subtotal, order.shipping_total, order.grand_total) == (
        Decimal("19.99"),
        Decimal("12.00"),
        Decimal("31.99"),
    )
    assert order.payment_status == "paid"
    assert list(order.lines.values_list("pk", "line_total")) == [(line.pk, Decimal("19.99"))]
    assert email.to_email == ""
    assert (other.email, other.full_name) == ("bo@example.com", "Bo Chen")


def test_deleting_the_account_anonymises_its_support_tickets(client):
    user = _customer()
    ticket = TicketFactory(
        customer=user, customer_email=user.email, customer_name="Ann Lee", cc_emails=["x@example.com"]
    )
    sent = TicketMessageFactory(ticket=ticket, from_name="Ann Lee", raw_headers="From: ann@example.com")
    reply = TicketMessageFactory(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        from_email="support@localhost",
        to_emails=["ann@example.com"],
    )
    others = TicketFactory(customer_email="bo@example.com", customer_name="Bo Chen")
    client.force_login(user)

    client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    ticket.refresh_from_db()
    sent.refresh_from_db()
    reply.refresh_from_db()
    others.refresh_from_db()
    assert (ticket.customer_id, ticket.customer_email, ticket.customer_name, ticket.cc_emails) == (
        None,
        "",
        ANONYMISED_NAME,
        [],
    )
    assert (sent.from_email, sent.from_name, sent.raw_headers) == ("", "", "")
    assert reply.to_emails == []
    assert (others.customer_email, others.customer_name) == ("bo@example.com", "Bo Chen")
    assert Ticket.objects.count() == 2


def test_deleting_the_account_ends_its_other_sessions(client):
    user = _customer()
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)

    client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})
    response = elsewhere.get(reverse("account:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:login"))


def test_deleting_the_account_removes_back_in_stock_requests(client):
    user = _customer()
    BackInStockRequest.objects.create(variant=VariantFactory(stock=0), email="ann@example.com", user=user)
    client.force_login(user)

    client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    assert not BackInStockRequest.objects.exists()


def test_a_wrong_password_or_no_confirmation_deletes_nothing(client):
    user = _customer()
    order = OrderFactory(user=user, email=user.email, **DELIVERED)
    client.force_login(user)

    wrong = client.post(reverse("account:account_delete"), {"current_password": "nope", "confirm": "on"})
    unconfirmed = client.post(reverse("account:account_delete"), {"current_password": PASSWORD})

    order.refresh_from_db()
    assert wrong.status_code == unconfirmed.status_code == 400
    assert "Your current password is not correct." in wrong.content.decode()
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert order.email == "ann@example.com"


def test_an_open_order_keeps_the_account_until_it_is_finished(client):
    user = _customer()
    open_order = OrderFactory(user=user, email=user.email, payment_status="paid")
    client.force_login(user)

    response = client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    open_order.refresh_from_db()
    assert response.status_code == 400
    assert open_order.number in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert open_order.full_name == "Ann Lee"


def test_a_partly_shipped_order_keeps_the_account_until_it_is_finished():
    user = _customer()
    OrderFactory(user=user, email=user.email, payment_status="paid", fulfilment_status="partly_shipped")

    with pytest.raises(AccountHasOpenOrders):
        account_delete(user=user)

    assert User.objects.filter(pk=user.pk).exists()


def test_deleting_the_account_blanks_the_orders_district_and_division_codes_too():
    user = _customer()
    order = OrderFactory(
        user=user,
        email=user.email,
        district="西湖区",
        province_code="33",
        city_code="3301",
        district_code="330106",
        **DELIVERED,
    )

    account_delete(user=user)

    order.refresh_from_db()
    assert (order.district, order.province_code, order.city_code, order.district_code) == ("", "", "", "")
    assert order.country == "CN"


def test_account_delete_service_refuses_open_orders_and_changes_nothing():
    user = _customer()
    finished = OrderFactory(user=user, email=user.email, **DELIVERED)
    OrderFactory(user=user, email=user.email)

    with pytest.raises(AccountHasOpenOrders):
        account_delete(user=user)

    finished.refresh_from_db()
    assert finished.email == "ann@example.com"
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_cannot_delete_their_account_from_the_account_page(client):
    staff = StaffUserFactory()
    client.force_login(staff)

    response = client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    assert response.status_code == 400
    assert "Staff accounts are removed by an administrator" in response.content.decode()
    assert User.objects.filter(pk=staff.pk).exists()


def test_the_deleted_address_can_sign_up_again(client):
    user = _customer()
    client.force_login(user)
    client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    response = client.post(
        reverse("account:signup"),
        {
            "email": "ann@example.com",
            "full_name": "Ann",
            "password1": "quiet-lantern-77",
            "password2": "quiet-lantern-77",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="ann@example.com").exists()
    assert Order.objects.filter(email__iexact="ann@example.com").count() == 0


def test_deleting_the_account_anonymises_a_personal_fapiao_and_keeps_a_companys_tax_record(client):
    user = _customer()
    personal = FapiaoRequestFactory(order=OrderFactory(user=user, **DELIVERED), title="Ann Lee")
    company = FapiaoRequestFactory(
        order=OrderFactory(user=user, **DELIVERED),
        kind="company",
        title="华为技术有限公司",
        tax_number="914403001922038216",
        email="tax@example.com",
    )
    client.force_login(user)

    client.post(reverse("account:account_delete"), {"current_password": PASSWORD, "confirm": "on"})

    personal.refresh_from_db()
    company.refresh_from_db()
    assert (personal.title, personal.email) == (ANONYMISED_NAME, "")
    assert (company.title, company.tax_number, company.email) == (
        "华为技术有限公司",
        "914403001922038216",
        "",
    )
