"""Every step emails the customer in the order's language, about the request and its new state."""

from decimal import Decimal

import pytest
from django.core import mail

from aftersales.services import (
    after_sales_close,
    after_sales_exchange_send,
    after_sales_refund,
    after_sales_reject,
    after_sales_withdraw,
)
from tests.aftersales.helpers import ask, line_of, received, staff, two_line_order
from tests.factories import VariantFactory
from tests.helpers import run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def _sent_for(request) -> list:
    return [email for email in mail.outbox if request.number in email.subject]


def test_each_step_of_a_return_emails_the_customer_once_with_its_state():
    order = two_line_order()
    request = received(ask(order))
    after_sales_refund(request=request, actor=staff(), reference="BANK-1")
    run_tasks()

    sent = _sent_for(request)
    assert [email.subject.rsplit(": ", 1)[1] for email in sent] == [
        "Waiting for review",
        "Approved",
        "On its way back",
        "Received by us",
        "Refunded",
    ]
    assert all(email.to == [order.email] for email in sent)
    assert "1 Shop Road" in sent[1].body
    assert order.get_absolute_access_url() in sent[-1].body


def test_a_rejection_a_withdrawal_a_closing_and_an_exchange_each_email_the_customer():
    order = two_line_order()
    other = VariantFactory(product=line_of(order, "Teapot").variant.product, price=Decimal("100.00"), stock=5)
    rejected = ask(order, lines={"Tea": 1})
    after_sales_reject(request=rejected, actor=staff(), reason="The seal is broken")
    withdrawn = ask(order, lines={"Tea": 1})
    after_sales_withdraw(request=withdrawn)
    closed = ask(order, lines={"Tea": 1})
    after_sales_close(request=closed, actor=staff(), note="Settled by phone")
    exchanged = received(
        ask(order, kind="exchange", reason="wrong_size", exchange_for={"Teapot": other}), restock={}
    )
    after_sales_exchange_send(request=exchanged, actor=staff(), carrier="SF", tracking_number="SF8")
    run_tasks()

    assert _sent_for(rejected)[-1].subject.endswith("Rejected")
    assert "The seal is broken" in _sent_for(rejected)[-1].body
    assert _sent_for(withdrawn)[-1].subject.endswith("Withdrawn")
    assert "Settled by phone" in _sent_for(closed)[-1].body
    assert _sent_for(exchanged)[-1].subject.endswith("Replacement sent")


def test_the_email_of_a_chinese_order_is_written_in_chinese():
    order = two_line_order(language="zh-hans")
    request = ask(order)
    run_tasks()

    (email,) = _sent_for(request)
    assert email.extra_headers["Content-Language"] == "zh-hans"
    assert order.number in email.subject
    assert email.body.startswith("Ann Lee，您好：")  # noqa: RUF001
