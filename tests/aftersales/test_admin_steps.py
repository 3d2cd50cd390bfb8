"""The request page's steps: each one in a state it fits, in one it does not, and without permission."""

from decimal import Decimal

import pytest

from aftersales.models import AfterSalesRequest
from aftersales.rules import RequestLine
from aftersales.services import after_sales_approve, after_sales_receive, after_sales_request_create
from tests.aftersales.admin_helpers import change_url, messages_of, staff_with, state, step_url
from tests.aftersales.helpers import ask, line_of, stock_of, two_line_order
from tests.factories import CarrierFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

CHANGE = "aftersales.change_aftersalesrequest"
REFUND = "orders.refund_order"


@pytest.fixture
def staff(client):
    user = StaffUserFactory(email="clerk@example.com")
    staff_login(client, user)
    return user


def received(request: AfterSalesRequest, *, staff=None) -> AfterSalesRequest:
    staff = staff or StaffUserFactory()
    after_sales_approve(request=request, actor=staff, return_address="1 Shop Road")
    request = AfterSalesRequest.objects.get(pk=request.pk)
    return after_sales_receive(
        request=request, actor=staff, restock={line.pk: line.quantity for line in request.lines.all()}
    )


def exchange(order, variant) -> AfterSalesRequest:
    """An exchange of one teapot of ``order`` for ``variant``."""
    line = RequestLine(order_line_id=line_of(order, "Teapot").pk, quantity=1, exchange_variant_id=variant.pk)
    return after_sales_request_create(order=order, kind="exchange", reason="wrong_size", lines=[line])


def test_approve_form_is_prefilled_with_the_return_address_and_instructions(client, staff, settings):
    settings.AFTER_SALES_RETURN_ADDRESS = "Returns desk, 8 Tea Street"
    settings.AFTER_SALES_RETURN_INSTRUCTIONS = "Write the request number on the parcel."
    request = ask(two_line_order())

    page = client.get(step_url(request, "approve")).content.decode()

    assert "Returns desk, 8 Tea Street" in page
    assert "Write the request number on the parcel." in page


def test_approve_moves_a_waiting_request_on_and_says_so(client, staff):
    request = ask(two_line_order())

    response = client.post(step_url(request, "approve"), {"return_address": "1 Shop Road", "note": "ok"})

    request.refresh_from_db()
    assert response["Location"] == change_url(request)
    assert (request.status, request.return_address) == ("approved", "1 Shop Road")
    assert request.events.last().actor == staff
    assert messages_of(response) == [f"Request {request.number} is approved; the customer is told."]


def test_approving_twice_shows_the_services_refusal_and_changes_nothing(client, staff):
    request = ask(two_line_order())
    after_sales_approve(request=request, actor=staff, return_address="1 Shop Road")
    before = state(request)

    response = client.post(step_url(request, "approve"), {"return_address": "Elsewhere"})

    assert response.status_code == 302
    assert state(request) == before
    assert messages_of(response) == ["Only a request waiting for review can be approved."]


def test_a_refund_without_return_is_approved_without_an_address(client, staff):
    request = ask(two_line_order(), kind="refund", reason="damaged")

    page = client.get(step_url(request, "approve")).content.decode()
    response = client.post(step_url(request, "approve"), {})

    request.refresh_from_db()
    assert "return_address" not in page
    assert response.status_code == 302
    assert (request.status, request.return_address) == ("approved", "")


def test_reject_needs_a_reason_and_then_tells_the_customer(client, staff):
    request = ask(two_line_order())

    empty = client.post(step_url(request, "reject"), {"reason": "  "})
    response = client.post(step_url(request, "reject"), {"reason": "Opened and used."})

    request.refresh_from_db()
    assert empty.status_code == 400
    assert (request.status, request.rejection_reason) == ("rejected", "Opened and used.")
    assert messages_of(response) == [f"Request {request.number} is rejected; the customer is told why."]


def test_receive_restocks_the_units_staff_enter(client, staff):
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    request = ask(order, lines={"Teapot": 2})
    after_sales_approve(request=request, actor=staff, return_address="1 Shop Road")
    line = request.lines.get()
    stock_before = stock_of(teapot)

    form = client.get(step_url(request, "receive")).content.decode()
    response = client.post(step_url(request, "receive"), {f"restock_{line.pk}": "1"})

    request.refresh_from_db()
    line.refresh_from_db()
    assert f'name="restock_{line.pk}"' in form and 'value="2"' in form
    assert response.status_code == 302
    assert (request.status, line.restocked_quantity) == ("received", 1)
    assert stock_of(teapot) == stock_before + 1


def test_receive_of_a_waiting_request_is_refused_with_a_message(client, staff):
    request = ask(two_line_order())
    line = request.lines.get()
    before = state(request)

    response = client.post(step_url(request, "receive"), {f"restock_{line.pk}": "1"})

    assert state(request) == before
    assert messages_of(response) == ["Only an approved return or exchange can be received."]


def test_the_refund_form_shows_the_quote_and_requires_a_reference_for_an_offline_order(client, staff):
    request = received(ask(two_line_order()))
    before = state(request)

    page = client.get(step_url(request, "refund")).content.decode()
    missing = client.post(step_url(request, "refund"), {"reference": "  "})

    assert "¥100.00" in page
    assert 'name="reference"' in page
    assert missing.status_code == 400
    assert "send the money back first, then enter its reference" in missing.content.decode()
    assert state(request) == before


def test_an_offline_refund_with_a_reference_is_recorded_with_its_amount(client, staff):
    request = received(ask(two_line_order()))

    response = client.post(step_url(request, "refund"), {"reference": "BANK-7", "note": ""})

    request.refresh_from_db()
    assert (request.status, request.refund_amount, request.refund_reference) == (
        "refunded",
        Decimal("100.00"),
        "BANK-7",
    )
    assert messages_of(response) == [f"Request {request.number}: ¥100.00 refunded."]


def test_refunding_a_request_whose_goods_are_not_back_is_refused(client, staff):
    request = ask(two_line_order())
    before = state(request)

    response = client.post(step_url(request, "refund"), {"reference": "BANK-7"})

    assert state(request) == before
    assert messages_of(response) == [
        "This request cannot be refunded yet: its goods are not back, or it is not approved."
    ]


def test_refund_needs_the_refund_permission_besides_change(client):
    staff_with(client, CHANGE, "aftersales.view_aftersalesrequest")
    request = received(ask(two_line_order()))
    before = state(request)

    page = client.get(change_url(request)).content.decode()
    response = client.post(step_url(request, "refund"), {"reference": "BANK-7"})

    assert response.status_code == 403
    assert state(request) == before
    assert step_url(request, "refund") not in page
    # Closing a request whose refund is due decides the money too: not without the permission.
    assert step_url(request, "close") not in page
    assert client.post(step_url(request, "close"), {"note": "Kept."}).status_code == 403
    assert state(request) == before


def test_a_step_without_the_change_permission_is_forbidden(client):
    staff_with(client, "aftersales.view_aftersalesrequest", REFUND)
    request = ask(two_line_order())
    before = state(request)

    response = client.post(step_url(request, "approve"), {"return_address": "1 Shop Road"})

    assert response.status_code == 403
    assert state(request) == before


def test_send_exchange_takes_a_listed_carrier_and_reports_a_shortage(client, staff):
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    other = VariantFactory(product=teapot.product, price=teapot.price, stock=1)
    short = VariantFactory(product=teapot.product, price=teapot.price, stock=0)
    sent = received(exchange(order, other))
    refused = received(exchange(order, short))
    carrier = CarrierFactory()

    done = client.post(step_url(sent, "exchange"), {"carrier": carrier.code, "tracking_number": "SF 200"})
    client.get(change_url(sent))
    before = state(refused)
    out = client.post(step_url(refused, "exchange"), {"carrier_other": "Local van", "tracking_number": "V1"})
    page = client.get(change_url(refused)).content.decode()

    sent.refresh_from_db()
    assert (sent.status, sent.exchange_tracking_number) == ("exchanged", "SF200")
    assert stock_of(other) == 0
    assert state(refused) == before
    assert messages_of(out) == [
        f"{short.sku} has 0 left, not enough for this exchange: refund the request instead."
    ]
    assert step_url(refused, "refund") in page
    assert done.status_code == 302


def test_send_exchange_wants_a_listed_or_a_typed_carrier_not_both(client, staff):
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    request = received(exchange(order, VariantFactory(product=teapot.product, price=teapot.price)))

    response = client.post(
        step_url(request, "exchange"),
        {"carrier": CarrierFactory().code, "carrier_other": "Van", "tracking_number": "V1"},
    )

    assert response.status_code == 400
    assert AfterSalesRequest.objects.get(pk=request.pk).status == "received"


def test_a_closed_request_offers_only_a_support_ticket_and_cannot_be_closed_again(client, staff):
    request = ask(two_line_order())

    response = client.post(step_url(request, "close"), {"note": "Settled by phone."})
    page = client.get(change_url(request)).content.decode()
    again = client.post(step_url(request, "close"), {"note": "Again."})

    request.refresh_from_db()
    assert request.status == "closed"
    assert messages_of(response) == [f"Request {request.number} is closed."]
    assert messages_of(again) == ["This request has ended or its refund is under way; it cannot be closed."]
    assert page.count("/do/") == 1
    assert step_url(request, "ticket") in page


def test_only_the_steps_that_fit_are_offered(client, staff):
    waiting = ask(two_line_order())
    back = received(ask(two_line_order()))

    waiting_page = client.get(change_url(waiting)).content.decode()
    back_page = client.get(change_url(back)).content.decode()

    for step in ("approve", "reject", "close", "ticket"):
        assert step_url(waiting, step) in waiting_page
    for step in ("receive", "refund", "exchange"):
        assert step_url(waiting, step) not in waiting_page
    for step in ("refund", "close", "ticket"):
        assert step_url(back, step) in back_page
    for step in ("approve", "reject", "receive", "exchange"):
        assert step_url(back, step) not in back_page


def test_an_unknown_step_is_a_404_and_the_request_page_refuses_a_post(client, staff):
    request = ask(two_line_order())

    assert client.post(step_url(request, "explode")).status_code == 404
    assert client.post(change_url(request), {"status": "refunded"}).status_code == 405
