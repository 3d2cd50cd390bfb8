"""The order page's after-sales section, the return parcel and withdraw steps, and the photos."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.models import AfterSalesRequest
from aftersales.services import (
    after_sales_approve,
    after_sales_close,
    after_sales_receive,
    after_sales_refund,
    after_sales_reject,
    after_sales_return_parcel,
)
from orders.page_sections import order_page_sections
from tests.aftersales.helpers import ask, now, two_line_order
from tests.factories import OrderFactory, OrderLineFactory, StaffUserFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c636000000200"
    "0154a24f5d0000000049454e44ae426082"
)


def step_url(request, name: str) -> str:
    url = reverse(
        f"aftersales:{name}", kwargs={"number": request.order.number, "request_number": request.number}
    )
    return f"{url}?token={request.order.access_token}"


def order_page(client, order) -> str:
    return client.get(order.get_access_url()).content.decode()


def approved(request) -> AfterSalesRequest:
    return after_sales_approve(
        request=request,
        actor=StaffUserFactory(),
        return_address="1 Shop Road\nHangzhou",
        return_instructions="Tape it",
    )


def test_a_shipped_order_offers_the_request_link_with_the_deadline(client):
    order = two_line_order()

    page = order_page(client, order)

    assert "Request a return, refund or exchange" in page
    assert reverse("aftersales:new", kwargs={"number": order.number}) + f"?token={order.access_token}" in page
    assert "7-day no-reason return: you can send items back without giving a reason until" in page


def test_no_link_once_every_window_has_closed(client):
    order = two_line_order(received_at=now() - timedelta(days=40))

    page = order_page(client, order)

    assert "Request a return, refund or exchange" not in page
    assert "Returns, refunds and exchanges" not in page


def test_a_waiting_request_shows_its_items_and_a_withdraw_button(client):
    order = two_line_order()
    request = ask(order, lines={"Teapot": 2})

    page = order_page(client, order)

    assert f"Request {request.number}" in page
    assert "Waiting for review" in page
    assert "Return for a refund" in page and "No longer wanted (no reason needed)" in page
    assert "Teapot \u00d7 2" in page
    assert step_url(request, "withdraw") in page
    assert "Withdraw the request" in page


def test_an_approved_return_shows_the_address_instructions_and_the_tracking_form(client):
    order = two_line_order()
    request = approved(ask(order))

    page = order_page(client, order)

    assert "Approved" in page
    assert "1 Shop Road<br>Hangzhou" in page
    assert "Tape it" in page
    assert f'name="{request.number.lower()}-tracking_number"' in page
    assert "Withdraw the request" in page


def test_a_rejected_request_shows_the_reason(client):
    order = two_line_order()
    request = ask(order)
    after_sales_reject(request=request, actor=StaffUserFactory(), reason="Used beyond trying on")

    page = order_page(client, order)

    assert "Rejected" in page and "Used beyond trying on" in page
    assert "Withdraw the request" not in page


def test_a_refunded_request_shows_the_amount(client):
    order = two_line_order()
    staff = StaffUserFactory()
    request = approved(ask(order))
    after_sales_return_parcel(request=request, carrier="SF", tracking_number="SF9")
    request = AfterSalesRequest.objects.get(pk=request.pk)
    after_sales_receive(request=request, actor=staff, restock={request.lines.get().pk: 1})
    after_sales_refund(request=request, actor=staff, reference="BANK-1")

    page = order_page(client, order)

    assert "Refunded" in page and "We refunded ¥100.00." in page


def test_the_tracking_number_is_saved_and_the_request_is_on_its_way_back(client):
    order = two_line_order()
    request = approved(ask(order))
    prefix = request.number.lower()

    response = client.post(
        step_url(request, "return_parcel"),
        {f"{prefix}-carrier": "SF Express", f"{prefix}-tracking_number": "SF77"},
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.return_carrier, request.return_tracking_number) == (
        "returning",
        "SF Express",
        "SF77",
    )


def test_an_empty_tracking_number_is_a_400_with_the_message(client):
    order = two_line_order()
    request = approved(ask(order))

    response = client.post(step_url(request, "return_parcel"), {f"{request.number.lower()}-carrier": "SF"})

    assert response.status_code == 400
    assert "Enter the tracking number of your parcel." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "approved"


def test_a_tracking_number_before_approval_is_a_409_with_the_message(client):
    order = two_line_order()
    request = ask(order)
    prefix = request.number.lower()

    response = client.post(
        step_url(request, "return_parcel"), {f"{prefix}-carrier": "SF", f"{prefix}-tracking_number": "SF1"}
    )

    assert response.status_code == 409
    assert (
        "A tracking number can be added once a return or an exchange is approved."
        in response.content.decode()
    )
    request.refresh_from_db()
    assert (request.status, request.return_tracking_number) == ("requested", "")


def test_withdrawing_a_waiting_request(client):
    order = two_line_order()
    request = ask(order)

    response = client.post(step_url(request, "withdraw"))

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert f"Your request {request.number} is withdrawn." in order_page(client, order)


def test_withdrawing_a_request_on_its_way_back_is_a_409(client):
    order = two_line_order()
    request = approved(ask(order))
    after_sales_return_parcel(request=request, carrier="SF", tracking_number="SF9")

    response = client.post(step_url(request, "withdraw"))

    assert response.status_code == 409
    assert "This request can no longer be withdrawn." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "returning"


def test_a_stranger_cannot_withdraw(client):
    order = two_line_order(user=UserFactory())
    request = ask(order)
    client.force_login(UserFactory())

    response = client.post(step_url(request, "withdraw").split("?")[0])

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == "requested"


def test_photos_are_shown_to_the_link_holder_inline_and_hidden_from_strangers(client):
    order = two_line_order()
    request = ask(order, photos=[SimpleUploadedFile("parcel.png", PNG, content_type="image/png")])
    photo = request.photos.get()
    url = reverse(
        "aftersales:photo",
        kwargs={"number": order.number, "request_number": request.number, "photo_id": photo.pk},
    )

    page = order_page(client, order)
    shown = client.get(f"{url}?token={order.access_token}")
    hidden = client.get(url)

    assert f"{url}?token={order.access_token}" in page
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown["Content-Security-Policy"]
    assert b"".join(shown.streaming_content) == PNG
    assert hidden.status_code == 404


def test_an_unshipped_order_page_costs_no_query_for_after_sales(client, rf, django_assert_num_queries):
    order = OrderFactory()
    OrderLineFactory(order=order, variant=VariantFactory())
    request = rf.get(order.get_access_url())

    with django_assert_num_queries(0):
        sections = order_page_sections(request=request, order=order)

    assert sections == []


def test_an_unshipped_order_page_reads_in_as_many_queries_as_without_after_sales(client):
    order = OrderFactory()
    OrderLineFactory(order=order, variant=VariantFactory())
    client.get(order.get_access_url())

    with CaptureQueriesContext(connection) as captured:
        response = client.get(order.get_access_url())

    assert response.status_code == 200
    assert not any("aftersales" in query["sql"] for query in captured.captured_queries)
    assert "Returns, refunds and exchanges" not in response.content.decode()


def test_the_section_reads_in_chinese(client):
    order = two_line_order()
    ask(order)

    page = client.get(order.get_access_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "退货、退款和换货" in page
    assert "待审核" in page
    assert "撤回申请" in page


def test_a_closed_request_shows_why_it_was_closed(client):
    order = two_line_order()
    request = ask(order)
    after_sales_close(request=request, actor=StaffUserFactory(), note="Settled by phone with a voucher.")

    page = order_page(client, order)

    assert "This request is closed." in page
    assert "Settled by phone with a voucher." in page
