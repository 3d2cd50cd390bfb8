"""A customer's data: the privacy page, and the download of everything kept about them as JSON."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import SavedAddress
from accounts.privacy import account_delete
from accounts.services import saved_address_create
from catalog.models import BackInStockRequest
from promotions.models import CouponCustomerUse
from promotions.privacy import coupon_uses_privacy_erase
from shop.models import User
from support.models import Message
from tests.accounts.helpers import DELIVERED, _customer, _download
from tests.factories import (
    CouponFactory,
    FapiaoRequestFactory,
    OrderFactory,
    OrderLineFactory,
    TicketFactory,
    TicketMessageFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


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
        "wishlist",
        "aftersales",
        "orders",
        "support_tickets",
        "addresses",
    ]
    assert data["orders"] == data["support_tickets"] == data["back_in_stock_requests"] == []
    assert data["aftersales"] == []
    assert data["wishlist"] == {"items": [], "emails": []}


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
