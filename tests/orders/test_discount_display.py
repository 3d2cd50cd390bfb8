"""Every place an order is shown names its discounts: the order page, the emails, the admin, print and CSV."""

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.emails import order_email_build
from orders.models import Order
from orders.services import order_place
from promotions.models import Coupon
from tests.factories import CouponFactory, ProductFactory, PromotionFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def discounted() -> Order:
    """A teapot and three cups: ¥20.00 off from the holiday promotion, then ¥30.00 with SAVE15: ¥181.99."""
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), sku="POT", price=D("120.00"), stock=5)
    cup = VariantFactory(product=ProductFactory(name="Cup"), sku="CUP", price=D("33.33"), stock=5)
    PromotionFactory(name="Holiday 满减", tiers=[("200.00", "20.00")])
    CouponFactory(code="SAVE15", value=D("15"))
    return order_place(
        cart=cart_with((teapot, 1), (cup, 3)),
        checkout=checkout_data(coupon_code="SAVE15"),
        token=uuid.uuid4(),
    )


@pytest.fixture
def shipped_free() -> Order:
    """A ¥50.00 order whose ¥12.00 shipping a free-shipping coupon waived."""
    CouponFactory(code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING, value=D("0"))
    variant = VariantFactory(price=D("50.00"), stock=5)
    return order_place(
        cart=cart_with((variant, 1)), checkout=checkout_data(coupon_code="SHIPFREE"), token=uuid.uuid4()
    )


def test_the_order_page_shows_each_discount_each_lines_share_and_the_total(client, discounted):
    page = client.get(discounted.get_access_url()).content.decode()

    for text in [
        "Holiday 满减",
        "\N{MINUS SIGN}¥20.00",
        "Coupon SAVE15",
        "\N{MINUS SIGN}¥30.00",
        "\N{MINUS SIGN}¥27.28 discount",  # the teapot's shares: 10.91 + 16.37
        "\N{MINUS SIGN}¥22.72 discount",
        "¥219.99",
        "¥12.00",
        "¥181.99",
    ]:
        assert text in page


def test_the_order_page_shows_a_shipping_discount_in_chinese(client, shipped_free):
    page = client.get(shipped_free.get_access_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "运费优惠（优惠券 SHIPFREE）" in page  # noqa: RUF001
    assert "\N{MINUS SIGN}¥12.00" in page


def test_an_order_without_discounts_reads_them_not_at_all(client, django_assert_max_num_queries):
    order = order_place(
        cart=cart_with((VariantFactory(stock=5), 1)), checkout=checkout_data(), token=uuid.uuid4()
    )

    # Session, order, lines (as before discounts existed); no query for discounts.
    with django_assert_max_num_queries(5):
        page = client.get(order.get_access_url()).content.decode()

    assert "discount" not in page.lower()


@pytest.mark.parametrize("kind", ["confirmation", "shipped", "staff_new_order"])
def test_the_order_emails_show_the_discounts_in_text_and_html(discounted, kind):
    message = order_email_build(order=discounted, kind=kind, to_email=discounted.email, language="en")

    html = message.alternatives[0][0]
    assert "Holiday 满减: \N{MINUS SIGN}¥20.00" in message.body
    assert "Coupon SAVE15: \N{MINUS SIGN}¥30.00" in message.body
    assert "Total: ¥181.99" in message.body
    assert 'Coupon SAVE15</td><td style="text-align:right">\N{MINUS SIGN}¥30.00' in html


def test_the_confirmation_email_shows_a_shipping_discount_in_chinese(shipped_free):
    message = order_email_build(
        order=shipped_free, kind="confirmation", to_email=shipped_free.email, language="zh-hans"
    )

    assert "运费优惠（优惠券 SHIPFREE）：\N{MINUS SIGN}¥12.00" in message.body  # noqa: RUF001


def test_the_invoice_shows_the_discounts_and_the_packing_slip_names_them_without_prices(
    client, staff, discounted
):
    invoice = client.get(reverse("admin:orders_order_invoice", args=[discounted.pk])).content.decode()
    slip = client.get(reverse("admin:orders_order_packing_slip", args=[discounted.pk])).content.decode()

    for text in [
        "Holiday 满减",
        "\N{MINUS SIGN}¥20.00",
        "Coupon SAVE15",
        "\N{MINUS SIGN}¥30.00",
        "\N{MINUS SIGN}¥27.28 discount",
        "¥181.99",
    ]:
        assert text in invoice
    assert "Holiday 满减, Coupon SAVE15" in slip
    assert "¥" not in slip


def test_the_invoice_shows_a_shipping_discount(client, staff, shipped_free):
    invoice = client.get(reverse("admin:orders_order_invoice", args=[shipped_free.pk])).content.decode()

    assert "Shipping discount (Coupon SHIPFREE)" in invoice
    assert "\N{MINUS SIGN}¥12.00" in invoice


def test_the_admin_order_page_shows_the_totals_each_discount_and_what_each_line_paid(
    client, staff, discounted
):
    page = client.get(reverse("admin:orders_order_change", args=[discounted.pk])).content.decode()

    for text in [
        "\N{MINUS SIGN}¥50.00",
        "Coupon SAVE15",
        "\N{MINUS SIGN}¥30.00",
        "Holiday 满减",
        "\N{MINUS SIGN}¥20.00",
        "\N{MINUS SIGN}¥27.28",
        "¥92.72",
        "¥77.27",
    ]:
        assert text in page


def test_the_csv_export_has_the_discount_columns(client, staff, discounted, shipped_free):
    response = client.get(reverse("admin:orders_order_export"))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    records = {row["Order number"]: row for row in csv.DictReader(io.StringIO(body))}
    first, second = records[discounted.number], records[shipped_free.number]
    assert (first["Subtotal"], first["Discount"], first["Shipping"], first["Shipping discount"]) == (
        "219.99",
        "50.00",
        "12.00",
        "0.00",
    )
    assert first["Total"] == "181.99"
    assert first["Discounts"] == "Holiday 满减: 20.00; Coupon SAVE15: 30.00"
    assert (second["Discount"], second["Shipping discount"], second["Total"]) == ("0.00", "12.00", "50.00")
    assert second["Discounts"] == "Coupon SHIPFREE: 0.00 + shipping 12.00"
