"""Two shoppers or two staff at once: the order's and the request's locks let one through."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RequestNotAllowed, StepNotAllowed
from aftersales.models import AfterSalesRequest
from aftersales.services import after_sales_receive, after_sales_refund
from tests.aftersales.helpers import approved, ask, fresh, line_of, staff, stock_of, two_line_order
from tests.helpers import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_requests_at_once_for_the_last_unit_let_one_through():
    order = two_line_order()
    ask(order, lines={"Teapot": 1})

    def request():
        try:
            return ask(order, lines={"Teapot": 1}).status
        except RequestNotAllowed:
            return "refused"

    assert sorted(run_together(request, request)) == ["refused", "requested"]
    assert AfterSalesRequest.objects.filter(order=order).count() == 2


def test_two_receives_at_once_restock_once():
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    before = stock_of(teapot)
    request = approved(ask(order, lines={"Teapot": 2}))
    line = request.lines.get()
    actor = staff()

    def receive():
        try:
            return after_sales_receive(request=fresh(request), actor=actor, restock={line.pk: 2}).status
        except StepNotAllowed:
            return "refused"

    assert sorted(run_together(receive, receive)) == ["received", "refused"]
    assert stock_of(teapot) == before + 2
    assert order.events.filter(kind="restocked").count() == 1


def test_two_refunds_by_hand_at_once_record_one():
    order = two_line_order()
    request = approved(ask(order, kind="refund", reason="missing", lines={"Tea": 1}))
    actor = staff()

    def refund():
        try:
            return after_sales_refund(request=fresh(request), actor=actor, reference="BANK-5").status
        except StepNotAllowed:
            return "refused"

    assert sorted(run_together(refund, refund)) == ["refunded", "refused"]
    assert fresh(request).refund_amount == Decimal("50.00")
    assert order.events.filter(kind="after_sales", to_state="refunded").count() == 1
