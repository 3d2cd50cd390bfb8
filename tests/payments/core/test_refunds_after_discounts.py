"""Refunds of a discounted order: a line refunds what was paid for it, the whole order its grand total."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cart.coupon import cart_coupon_set
from orders.models import Order
from payments.services import payment_refund
from tests.factories import CouponFactory, ProductFactory, VariantFactory
from tests.payments.core.fake_gateway import NOTIFY_URL, notification
from tests.payments.helpers import online_order, refund_staff_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]

D = Decimal


@pytest.fixture
def discounted(client, shipping):
    """A teapot (¥120.00) and two cups (¥40.00 each) with 15% off, paid with FakePay: ¥182.00.

    The coupon takes ¥30.00 off the ¥200.00 of goods, ¥18.00 from the teapot and ¥12.00 from
    the cups; shipping is ¥12.00, as the ¥170.00 of goods left is under the free-shipping ¥199.00.
    """
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=D("120.00"), stock=5)
    cup = VariantFactory(product=ProductFactory(name="Cup"), price=D("40.00"), stock=5)
    CouponFactory(code="TEA15", value=D("15"))
    client.post(reverse("cart:add"), {"variant": cup.pk, "quantity": 2})
    session = client.session
    cart_coupon_set(session=session, code="TEA15")
    session.save()
    order, payment, _response = online_order(client, variant=teapot, shipping=shipping, method="fakepay")
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="182.00"))
    payment.refresh_from_db()
    lines = {line.product_name: line for line in order.lines.all()}
    return order, payment, lines


def test_the_discounted_order_is_paid_its_grand_total(discounted):
    order, payment, lines = discounted

    assert (order.subtotal, order.discount_total, order.shipping_total, order.grand_total) == (
        D("200.00"),
        D("30.00"),
        D("12.00"),
        D("182.00"),
    )
    assert payment.amount == D("182.00")
    assert (lines["Teapot"].paid_total, lines["Cup"].paid_total) == (D("102.00"), D("68.00"))


def test_staff_tick_the_returned_cups_and_refund_what_was_paid_for_them(client, discounted):
    order, payment, lines = discounted
    refund_staff_login(client)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    cups = str(lines["Cup"].pk)

    page = client.get(url).content.decode()
    worked_out = client.post(url, {"lines": [cups], "amount": "182.00", "lines_amount": "1"})
    too_much = client.post(url, {"lines": [cups], "amount": "80.00", "reason": "returned"})
    done = client.post(url, {"lines": [cups], "amount": "68.00", "reason": "returned"})

    assert "2 \N{MULTIPLICATION SIGN} Cup: ¥68.00 paid" in page
    assert "1 \N{MULTIPLICATION SIGN} Teapot: ¥102.00 paid" in page
    assert worked_out.status_code == 200
    assert re.search(r'name="amount" value="68.00"', worked_out.content.decode())
    assert not payment.refunds.filter(amount=D("182.00")).exists()
    assert too_much.status_code == 400
    assert "¥68.00 was paid for the items ticked, after discounts: refund at most that." in (
        too_much.content.decode()
    )
    assert done.status_code == 302
    refund = payment.refunds.get()
    assert refund.amount == D("68.00")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert payment.refundable_amount == D("114.00")


def test_working_out_both_lines_gives_the_goods_paid_and_the_rest_is_shipping(client, discounted):
    _order, payment, lines = discounted
    refund_staff_login(client)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    worked_out = client.post(url, {"lines": [str(line.pk) for line in lines.values()], "lines_amount": "1"})

    assert re.search(r'name="amount" value="170.00"', worked_out.content.decode())
    assert not payment.refunds.exists()


def test_a_partial_refund_then_the_rest_refunds_the_grand_total_and_the_order(discounted):
    order, payment, lines = discounted

    payment_refund(payment=payment, amount=lines["Cup"].paid_total)
    payment.refresh_from_db()
    payment_refund(payment=payment, amount=payment.refundable_amount)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.amount_refunded == order.grand_total == D("182.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
