"""Which step may follow which state, what each step needs, and which orders and units may be asked about."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RequestNotAllowed, StepNotAllowed
from aftersales.models import AfterSalesRequest
from aftersales.rules import RequestLine
from aftersales.services import (
    after_sales_approve,
    after_sales_close,
    after_sales_exchange_send,
    after_sales_receive,
    after_sales_refund,
    after_sales_reject,
    after_sales_request_create,
    after_sales_return_parcel,
    after_sales_withdraw,
)
from orders.models import Order
from orders.services import order_cancel, order_mark_paid, shipment_create
from tests.aftersales.helpers import approved, ask, delivered, fresh, line_of, received, staff, two_line_order
from tests.factories import CarrierFactory, ProductFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db

ALL_STATES = [status.value for status in AfterSalesRequest.Status]

# Each step and the states it may start from (a return for a refund unless the step needs another kind).
STEPS = {
    "approve": {"requested"},
    "reject": {"requested"},
    "return_parcel": {"approved", "returning"},
    "withdraw": {"requested", "approved"},
    "receive": {"approved", "returning"},
    "exchange_send": {"received"},
    "refund": {"received"},
    "close": {"requested", "approved", "returning", "received"},
}


def _run(step: str, request: AfterSalesRequest, actor) -> AfterSalesRequest:
    if step == "approve":
        return after_sales_approve(request=request, actor=actor, return_address="1 Shop Road")
    if step == "reject":
        return after_sales_reject(request=request, actor=actor, reason="Used")
    if step == "return_parcel":
        return after_sales_return_parcel(request=request, carrier="SF", tracking_number="SF1")
    if step == "withdraw":
        return after_sales_withdraw(request=request)
    if step == "receive":
        return after_sales_receive(request=request, actor=actor, restock={})
    if step == "exchange_send":
        return after_sales_exchange_send(request=request, actor=actor, carrier="SF", tracking_number="SF2")
    if step == "refund":
        return after_sales_refund(request=request, actor=actor, reference="BANK-1")
    return after_sales_close(request=request, actor=actor, note="Settled by phone")


def _request_in(state: str, *, kind: str = "return") -> AfterSalesRequest:
    order = two_line_order()
    if kind == "exchange":
        other = VariantFactory(product=line_of(order, "Teapot").variant.product, price=Decimal("100.00"))
        request = ask(order, kind="exchange", reason="wrong_size", exchange_for={"Teapot": other})
    else:
        request = ask(order, kind=kind, reason="changed_mind" if kind == "return" else "missing")
    AfterSalesRequest.objects.filter(pk=request.pk).update(status=state)
    return fresh(request)


WRONG = [(step, state) for step, allowed in STEPS.items() for state in ALL_STATES if state not in allowed]


@pytest.mark.parametrize(("step", "state"), WRONG)
def test_every_step_is_refused_from_every_wrong_state_and_changes_nothing(step, state):
    request = _request_in(state, kind="exchange" if step == "exchange_send" else "return")
    events = request.events.count()

    with pytest.raises(StepNotAllowed):
        _run(step, request, staff())

    assert fresh(request).status == state
    assert request.events.count() == events


@pytest.mark.parametrize("state", ALL_STATES)
def test_a_return_cannot_have_a_replacement_sent(state):
    request = _request_in(state)

    with pytest.raises(StepNotAllowed):
        _run("exchange_send", request, staff())


@pytest.mark.parametrize("state", ["requested", "approved"])
def test_the_customer_may_withdraw_until_the_goods_are_sent_back(state):
    request = _request_in(state)

    assert after_sales_withdraw(request=request).status == "withdrawn"
    assert fresh(request).closed_at is not None


def test_a_rejection_needs_a_reason_the_customer_reads():
    request = ask(two_line_order())

    with pytest.raises(StepNotAllowed, match="why the request is rejected"):
        after_sales_reject(request=request, actor=staff(), reason="   ")
    assert fresh(request).status == "requested"

    rejected = after_sales_reject(request=request, actor=staff(), reason="The seal is broken")
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "The seal is broken")


def test_approving_a_return_needs_the_address_the_goods_go_back_to():
    request = ask(two_line_order())

    with pytest.raises(StepNotAllowed, match="address the customer sends the goods back to"):
        after_sales_approve(request=request, actor=staff(), return_address=" ")
    assert fresh(request).status == "requested"


def test_a_refund_without_return_is_approved_then_refunded_with_no_goods_back():
    order = two_line_order()
    request = ask(order, kind="refund", reason="missing")

    request = after_sales_approve(request=request, actor=staff(), return_address="ignored")
    assert (request.status, request.return_address) == ("approved", "")
    with pytest.raises(StepNotAllowed):
        after_sales_return_parcel(request=request, carrier="SF", tracking_number="SF1")
    with pytest.raises(StepNotAllowed):
        after_sales_receive(request=request, actor=staff(), restock={})

    request = after_sales_refund(request=request, actor=staff(), reference="BANK-7")
    assert (request.status, request.refund_amount) == ("refunded", Decimal("100.00"))


def test_closing_needs_a_note_and_ends_the_request():
    request = approved(ask(two_line_order()))

    with pytest.raises(StepNotAllowed, match="Say why the request is closed"):
        after_sales_close(request=request, actor=staff(), note="")
    closed = after_sales_close(request=request, actor=staff(), note="Goods never came back")

    assert closed.status == "closed"
    assert fresh(request).closed_at is not None


def test_units_of_a_closed_request_cannot_be_asked_again():
    order = two_line_order()
    request = ask(order, lines={"Teapot": 2})
    after_sales_close(request=request, actor=staff(), note="Settled by phone")

    with pytest.raises(RequestNotAllowed, match="no units left"):
        ask(order)


@pytest.mark.parametrize("ending", ["reject", "withdraw"])
def test_units_of_a_rejected_or_withdrawn_request_can_be_asked_again(ending):
    order = two_line_order()
    request = ask(order, lines={"Teapot": 2})
    _run(ending, request, staff())

    again = ask(order, lines={"Teapot": 2})

    assert again.status == "requested"


def test_units_can_never_be_asked_twice():
    order = two_line_order()
    ask(order, lines={"Teapot": 1})
    ask(order, lines={"Teapot": 1})

    with pytest.raises(RequestNotAllowed, match="Teapot has no units left"):
        ask(order, lines={"Teapot": 1})
    with pytest.raises(RequestNotAllowed, match="at most 1 of Tea"):
        ask(order, lines={"Tea": 2})


def test_the_same_line_twice_in_one_request_is_refused():
    order = two_line_order()
    teapot = line_of(order, "Teapot")

    with pytest.raises(RequestNotAllowed, match="not part of this order"):
        after_sales_request_create(
            order=order,
            kind="return",
            reason="changed_mind",
            lines=[RequestLine(order_line_id=teapot.pk, quantity=1)] * 2,
        )


def test_a_line_of_another_order_is_refused():
    order, other = two_line_order(), two_line_order()

    with pytest.raises(RequestNotAllowed, match="not part of this order"):
        after_sales_request_create(
            order=order,
            kind="return",
            reason="changed_mind",
            lines=[RequestLine(order_line_id=line_of(other, "Teapot").pk, quantity=1)],
        )


@pytest.mark.parametrize(
    ("kind", "reason"), [("refund", "changed_mind"), ("exchange", "not_received"), ("x", "faulty")]
)
def test_a_reason_that_does_not_fit_the_kind_is_refused(kind, reason):
    with pytest.raises(RequestNotAllowed, match="Choose a reason that fits"):
        ask(two_line_order(), kind=kind, reason=reason)


def test_an_unshipped_order_is_refused():
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=5)
    order = place((teapot, 1))
    order_mark_paid(order=order)

    with pytest.raises(RequestNotAllowed, match="once a paid order has shipped"):
        ask(Order.objects.get(pk=order.pk))


def test_an_unpaid_cash_on_delivery_order_is_refused_even_when_shipped():
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=5)
    order = delivered(place((teapot, 1), payment_method="cod"), paid=False)
    assert order.fulfilment_status == "delivered"

    with pytest.raises(RequestNotAllowed, match="once a paid order has shipped"):
        ask(order)


def test_a_cancelled_order_is_refused():
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=5)
    order = place((teapot, 1))
    order_cancel(order=order)

    with pytest.raises(RequestNotAllowed, match="once a paid order has shipped"):
        ask(Order.objects.get(pk=order.pk))


def test_a_partly_shipped_order_may_be_asked_about_its_shipped_units_only():
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=5)
    tea = VariantFactory(product=ProductFactory(name="Tea"), price=Decimal("50.00"), stock=5)
    order = place((teapot, 2), (tea, 1))
    order_mark_paid(order=order)
    shipment_create(
        order=order,
        carrier=CarrierFactory(),
        tracking_number="SF1",
        quantities={line_of(order, "Teapot").pk: 1},
    )
    order = Order.objects.get(pk=order.pk)
    assert order.fulfilment_status == "partly_shipped"

    with pytest.raises(RequestNotAllowed, match="at most 1 of Teapot"):
        ask(order, lines={"Teapot": 2})
    with pytest.raises(RequestNotAllowed, match="Tea has no units left"):
        ask(order, lines={"Tea": 1})
    assert ask(order, lines={"Teapot": 1}).status == "requested"


def test_the_full_return_path_moves_through_each_state():
    request = received(ask(two_line_order()))

    assert request.status == "received"
    assert list(request.events.order_by("id").values_list("to_status", flat=True)) == [
        "requested",
        "approved",
        "returning",
        "received",
    ]
