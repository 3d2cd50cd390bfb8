"""A customer's data: download it as JSON, delete the account (orders stay, anonymised)."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.exceptions import AccountHasOpenOrders
from accounts.models import SavedAddress
from accounts.privacy import account_delete
from accounts.services import saved_address_create
from catalog.models import BackInStockRequest
from orders.models import Order, OutboundEmail
from promotions.models import CouponCustomerUse
from promotions.privacy import coupon_uses_privacy_erase
from shop.models import User
from shop.privacy import ANONYMISED_NAME
from support.models import Message, Ticket
from tests.factories import (
    CouponFactory,
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

PASSWORD = "correct-horse-battery"  # UserFactory's password
DELIVERED = {"payment_status": "paid", "fulfilment_status": "delivered"}


def _customer(**fields) -> User:
    return UserFactory(
        email="ann@example.com",
        full_name="Ann Lee",
        phone="13800138000",
        city="Hangzhou",
        address_line1="18 West Lake Road",
        email_verified_at=timezone.now(),
        **fields,
    )


def _download(client) -> dict:
    response = client.get(reverse("account:privacy_download"))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_privacy_page_needs_a_signed_in_customer(client):
    page = client.get(reverse("account:privacy"))
    download = client.get(reverse("account:privacy_download"))

    assert page.status_code == download.status_code == 302
    assert page["Location"].startswith(reverse("account:login"))


def test_the_privacy_page_offers_download_and_deletion(client):
    client.force_login(_customer())

    page = client.get(reverse("account:privacy")).content.decode()

    assert reverse("account:privacy_download") in page
    assert reverse("account:account_delete") in page


def test_the_download_is_a_json_attachment_of_the_account(client):
    user = _customer()
    client.force_login(user)

    response = client.get(reverse("account:privacy_download"))

    data = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    assert data["account"]["email"] == "ann@example.com"
    assert data["account"]["full_name"] == "Ann Lee"
    assert data["account"]["phone"] == "13800138000"
    assert data["addresses"] == []


def test_the_download_has_the_address_book_and_erasure_deletes_it(client):
    user = _customer()
    saved_address_create(
        user=user,
        values={
            "recipient_name": "Ann Lee",
            "phone": "+8613800138000",
            "country": "CN",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "province_code": "33",
            "city_code": "3301",
            "district_code": "330106",
            "postal_code": "310000",
            "address_line1": "18 West Lake Road",
            "address_line2": "",
        },
    )
    client.force_login(user)

    data = _download(client)
    account_delete(user=user)

    [address] = data["addresses"]
    assert {
        name: address[name] for name in ("recipient_name", "phone", "city", "address_line1", "is_default")
    } == {
        "recipient_name": "Ann Lee",
        "phone": "+8613800138000",
        "city": "杭州市",
        "address_line1": "18 West Lake Road",
        "is_default": True,
    }
    assert not SavedAddress.objects.filter(user_id=user.pk).exists()


def test_the_download_has_the_customers_orders_with_lines_and_no_one_elses(client):
    user = _customer()
    mine = OrderFactory(user=user, email=user.email, **DELIVERED)
    OrderLineFactory(
        order=mine,
        variant=VariantFactory(sku="TEA-1"),
        quantity=2,
        unit_price=Decimal("9.50"),
        line_total=Decimal("19.00"),
    )
    guest = OrderFactory(user=None, email="ANN@example.com")
    OrderFactory(user=UserFactory(), email="someone@example.com")
    OrderFactory(user=None, email="someone-else@example.com")
    client.force_login(user)

    data = _download(client)

    assert [order["number"] for order in data["orders"]] == [mine.number, guest.number]
    assert data["orders"][0]["lines"] == [
        {
            "product_name": mine.lines.get().product_name,
            "sku": "TEA-1",
            "options_label": "",
            "unit_price": "9.50",
            "quantity": 2,
            "line_total": "19.00",
            "discount_total": "0.00",
        }
    ]
    assert data["orders"][0]["grand_total"] == "31.99"
    assert (data["orders"][0]["discount_total"], data["orders"][0]["shipping_discount"]) == ("0.00", "0.00")
    assert data["orders"][0]["status"] == "completed"


def test_guest_orders_with_the_address_are_left_out_until_it_is_verified(client):
    user = _customer()
    User.objects.filter(pk=user.pk).update(email_verified_at=None)
    OrderFactory(user=None, email="ann@example.com")
    TicketFactory(customer=None, customer_email="ann@example.com")
    client.force_login(user)

    data = _download(client)

    assert data["orders"] == []
    assert data["support_tickets"] == []


def test_the_download_has_the_tickets_with_only_the_messages_the_customer_sent(client):
    user = _customer()
    ticket = TicketFactory(customer=user, customer_email=user.email, subject="Where is my tea?")
    TicketMessageFactory(ticket=ticket, body_text="Where is my tea?")
    TicketMessageFactory(ticket=ticket, from_email="friend@example.com", body_text="Her friend writes.")
    TicketMessageFactory(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        from_email="support@localhost",
        body_text="Staff reply.",
    )
    TicketMessageFactory(ticket=TicketFactory(customer_email="other@example.com"), body_text="Someone else.")
    client.force_login(user)

    data = _download(client)

    assert len(data["support_tickets"]) == 1
    exported = data["support_tickets"][0]
    assert (exported["reference"], exported["subject"]) == (ticket.reference, "Where is my tea?")
    assert [message["text"] for message in exported["messages"]] == ["Where is my tea?"]


def test_the_download_has_back_in_stock_requests(client):
    user = _customer()
    variant = VariantFactory(sku="SOLD-OUT", stock=0)
    BackInStockRequest.objects.create(variant=variant, email="ann@example.com", user=user)
    BackInStockRequest.objects.create(variant=variant, email="other@example.com")
    client.force_login(user)

    data = _download(client)

    assert [request["sku"] for request in data["back_in_stock_requests"]] == ["SOLD-OUT"]


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


def test_each_app_contributes_its_part_of_the_download(client):
    client.force_login(_customer())

    data = _download(client)

    assert list(data) == [
        "format_version",
        "exported_at",
        "shop",
        "account",
        "back_in_stock_requests",
        "coupon_uses",
        "orders",
        "support_tickets",
        "addresses",
    ]
    assert data["orders"] == data["support_tickets"] == data["back_in_stock_requests"] == []


def test_the_download_has_the_coupon_uses_counted_for_the_verified_address_and_erasure_deletes_them(
    client,
):
    user = _customer()
    coupon = CouponFactory(code="WELCOME", uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical=user.email_canonical, uses=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="other@example.com", uses=1)
    client.force_login(user)

    data = _download(client)
    coupon_uses_privacy_erase(user)

    assert data["coupon_uses"] == [{"code": "WELCOME", "uses": 1}]
    assert list(CouponCustomerUse.objects.values_list("email_canonical", flat=True)) == ["other@example.com"]


def test_the_download_has_each_orders_fapiao_request(client):
    user = _customer()
    order = OrderFactory(user=user, email=user.email)
    FapiaoRequestFactory(order=order, title="Ann Lee", email="tax@example.com")
    client.force_login(user)

    [exported] = _download(client)["orders"]

    assert exported["fapiao"]["title"] == "Ann Lee"
    assert exported["fapiao"]["email"] == "tax@example.com"


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
