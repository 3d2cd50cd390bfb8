"""Paying with Alipay in a real browser, against the local stand-in (tests/payments/alipay/standin/)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order, OutboundEmail
from payments.models import Payment, PaymentEvent
from tests.e2e.helpers import checkout_as_guest
from tests.factories import CategoryFactory, ProductFactory, ShippingMethodFactory, VariantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tea(db):
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    category = CategoryFactory(name="Green Tea", slug="e2e-alipay-tea")
    product = ProductFactory(name="Dragon Well Green Tea", slug="dragon-well-alipay", category=category)
    return VariantFactory(product=product, sku="TEA-DW-ALI", price=Decimal("68.00"), stock=10)


def test_a_guest_pays_with_alipay_and_the_order_page_shows_it_paid(page, alipay, tea):
    # A guest puts the tea in the cart and checks out choosing Alipay.
    page.goto(f"/products/{tea.product.slug}/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/checkout/")
    checkout_as_guest(page, payment_method="Alipay", email="mei@example.com", full_name="Wang Mei")

    # The browser lands on the stand-in's cashier, which shows the amount to pay.
    expect(page).to_have_url(re.compile(rf"^{re.escape(alipay.gateway_url)}\?"))
    expect(page.locator("#amount")).to_have_text("¥80.00")
    order = Order.objects.get()
    assert order.payment_status == "unpaid"

    # Pay: the stand-in notifies the shop, then sends the browser back to the order page.
    page.get_by_role("button", name="Pay").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/\?token=.+&payment=returned"))
    expect(page.locator(".order-status")).to_have_text("Awaiting shipment")

    order.refresh_from_db()
    payment = order.payments.get()
    assert order.payment_status == "paid"
    assert (payment.status, payment.amount) == (Payment.Status.SUCCEEDED, Decimal("80.00"))
    [(notification, status, body)] = alipay.delivered
    assert (status, body) == (200, "success")
    event = PaymentEvent.objects.get(kind="notification")
    assert (event.verdict, event.event_id) == ("accepted", notification.fields["notify_id"])
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
