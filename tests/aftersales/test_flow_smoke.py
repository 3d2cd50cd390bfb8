from decimal import Decimal

import pytest
from django.core import mail

from aftersales.models import AfterSalesRequest
from aftersales.services import (
    after_sales_approve,
    after_sales_receive,
    after_sales_refund,
    after_sales_return_parcel,
)
from orders.models import Order
from tests.aftersales.helpers import ask, line_of, stock_of, two_line_order
from tests.factories import StaffUserFactory
from tests.helpers import run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_no_reason_return_of_one_teapot_is_refunded_by_hand_for_a_bank_transfer_order():
    order = two_line_order()
    staff = StaffUserFactory()
    teapot = line_of(order, "Teapot").variant
    request = ask(order)

    after_sales_approve(request=request, actor=staff, return_address="1 Shop Road")
    after_sales_return_parcel(request=request, carrier="SF Express", tracking_number="SF9")
    request = AfterSalesRequest.objects.get(pk=request.pk)
    line = request.lines.get()
    after_sales_receive(request=request, actor=staff, restock={line.pk: 1})
    request = after_sales_refund(request=request, actor=staff, reference="BANK-1")
    run_tasks()

    assert request.status == "refunded"
    assert request.refund_amount == Decimal("100.00")
    assert stock_of(teapot) == 9
    assert Order.objects.get(pk=order.pk).payment_status == "paid"
    sent = {(email.detail.get("status"), email.status) for email in order.emails.filter(kind="after_sales")}
    assert sent == {
        (status, "sent") for status in ("requested", "approved", "returning", "received", "refunded")
    }
    assert list(order.events.filter(kind="after_sales").values_list("to_state", flat=True)) == [
        "requested",
        "approved",
        "returning",
        "received",
        "refunded",
    ]
    assert mail.outbox[-1].subject.startswith(f"After-sales request {request.number}")
