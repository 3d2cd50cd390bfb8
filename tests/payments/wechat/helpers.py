"""Helpers for the WeChat Pay tests: what a refused notification is, and what it must leave unchanged."""

import json

from orders.models import Order, OrderEvent, OutboundEmail
from payments.models import Payment


def assert_nothing_paid(order: Order, payment: Payment) -> None:
    """The order and its payment are still unpaid: no status change, no paid event, no email."""
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.status == Payment.Status.PENDING
    assert not OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).exists()
    assert not OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).exists()


def refused(response) -> bool:
    """Whether the shop answered a notification as WeChat Pay documents a refusal (400, code FAIL)."""
    return response.status_code == 400 and json.loads(response.content)["code"] == "FAIL"
