"""The after-sales queue, the request page (ticket, photos), the order page's inline, the returns report."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from aftersales.models import AfterSalesPhoto, AfterSalesRequest
from aftersales.selectors import return_report
from aftersales.services import after_sales_close, after_sales_reject
from support.services import ticket_ingest_email
from tests.aftersales.admin_helpers import change_url, messages_of, staff_with, step_url
from tests.aftersales.helpers import ask, two_line_order
from tests.factories import StaffUserFactory
from tests.helpers import run_tasks, staff_login

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:aftersales_aftersalesrequest_changelist")
REPORT_URL = reverse("admin:aftersales_aftersalesrequest_report")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def staff(client):
    user = StaffUserFactory(email="clerk@example.com")
    staff_login(client, user)
    return user


def test_the_queue_shows_open_requests_by_default_and_all_on_demand(
    client, staff, django_assert_max_num_queries
):
    order = two_line_order()
    waiting = ask(order)
    closed = ask(order, lines={"Tea": 1})
    after_sales_close(request=closed, actor=staff, note="Settled.")

    with django_assert_max_num_queries(20):
        default = client.get(LIST_URL).content.decode()
    everything = client.get(LIST_URL, {"state": "all"}).content.decode()

    assert waiting.number in default and closed.number not in default
    assert waiting.number in everything and closed.number in everything
    assert order.email in default


def test_the_waiting_filter_counts_days_in_the_database(client, staff):
    order = two_line_order()
    old = ask(order)
    new = ask(order, lines={"Tea": 1})
    AfterSalesRequest.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=3))

    page = client.get(LIST_URL, {"waiting": "2"}).content.decode()
    search = client.get(LIST_URL, {"q": order.number}).content.decode()

    assert old.number in page and new.number not in page
    assert old.number in search and new.number in search


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_the_request_page_shows_what_the_customer_sent_and_serves_the_photo_to_staff_only(client, staff):
    request = ask(two_line_order(), description="The lid is cracked.")
    photo = AfterSalesPhoto(request=request, filename="lid.png", content_type="image/png", size=4)
    photo.file.save("lid.png", ContentFile(PNG), save=True)
    photo_url = reverse("admin:aftersales_aftersalesrequest_photo", args=[request.pk, photo.pk])

    page = client.get(change_url(request)).content.decode()
    served = client.get(photo_url)
    client.logout()
    outsider = client.get(photo_url)

    assert "The lid is cracked." in page and "Teapot" in page and photo_url in page
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert (served["Content-Type"], served["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert outsider.status_code == 302


def test_a_photo_whose_bytes_are_not_an_image_is_a_download_whatever_type_was_declared(client, staff):
    request = ask(two_line_order())
    photo = AfterSalesPhoto(request=request, filename="lid.png", content_type="image/png", size=6)
    photo.file.save("lid.png", ContentFile(b"<html>"), save=True)

    served = client.get(reverse("admin:aftersales_aftersalesrequest_photo", args=[request.pk, photo.pk]))

    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db(transaction=True)
def test_opening_a_ticket_mails_the_customer_and_their_answer_threads_into_it(client, staff):
    request = ask(two_line_order(email="ann@example.com"))

    response = client.post(step_url(request, "ticket"), {"body": "Please send a photo."})
    again = client.post(step_url(request, "ticket"), {"body": "Twice?"})
    run_tasks()
    sent = next(email for email in mail.outbox if "Please send" in email.body)
    answer = (
        f"From: ann@example.com\r\nTo: {sent.reply_to[0]}\r\nSubject: Re: {sent.subject}\r\n"
        f"Message-ID: <a1@example.com>\r\nIn-Reply-To: {sent.extra_headers['Message-ID']}\r\n"
        "\r\nPhoto attached.\r\n"
    ).encode()
    threaded = ticket_ingest_email(raw=answer).ticket

    request.refresh_from_db()
    assert request.ticket is not None
    assert sent.subject.startswith(f"[{request.ticket.reference}]")
    assert request.number in sent.subject
    assert threaded == request.ticket
    assert response.status_code == 302 and again.status_code == 302
    assert messages_of(again)[-1] == "This request has a support ticket already: answer the customer there."
    assert request.ticket.order_id == request.order_id


def test_the_order_page_lists_its_requests_with_links(client, staff):
    order = two_line_order()
    request = ask(order)

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert change_url(request) in page
    assert request.number in page


def test_support_agents_read_requests_and_may_only_open_a_ticket_about_one(client):
    staff_with(client, "aftersales.view_aftersalesrequest", "orders.view_order")
    request = ask(two_line_order())

    page = client.get(change_url(request))
    step = client.post(step_url(request, "reject"), {"reason": "No."})

    assert page.status_code == 200
    assert step_url(request, "reject") not in page.content.decode()
    assert step.status_code == 403
    # Answering customers is their work: the ticket step is theirs, and it is in the histories.
    client.logout()
    staff_with(client, "aftersales.view_aftersalesrequest", "orders.view_order", "support.add_ticket")
    assert step_url(request, "ticket") in client.get(change_url(request)).content.decode()
    opened = client.post(step_url(request, "ticket"), {"body": "Could you send a photo?"})
    request.refresh_from_db()
    assert opened.status_code == 302 and request.ticket is not None
    assert request.events.last().note == f"Support ticket {request.ticket.reference} opened."
    assert request.order.events.filter(kind="after_sales", note__contains=request.ticket.reference).exists()


def test_order_managers_without_support_permissions_do_not_open_tickets(client):
    staff_with(client, "aftersales.view_aftersalesrequest", "aftersales.change_aftersalesrequest")
    request = ask(two_line_order())

    assert step_url(request, "ticket") not in client.get(change_url(request)).content.decode()
    assert client.post(step_url(request, "ticket"), {"body": "Hello"}).status_code == 403


def test_the_report_counts_units_and_reasons_per_product(staff):
    order = two_line_order()
    ask(order, lines={"Teapot": 1})
    ask(order, kind="refund", reason="damaged", lines={"Teapot": 1, "Tea": 1})
    start, end = order.created_at - timedelta(days=1), order.created_at + timedelta(days=1)

    rows = {row.product_name: row for row in return_report(start=start, end=end)}

    assert (rows["Teapot"].sold, rows["Teapot"].returned, str(rows["Teapot"].rate)) == (2, 2, "100.0")
    assert rows["Teapot"].reasons == {"changed_mind": 1, "damaged": 1}
    assert (rows["Tea"].sold, rows["Tea"].returned, str(rows["Tea"].rate)) == (1, 1, "100.0")


def test_the_report_counts_returns_against_the_orders_of_the_period_so_no_rate_passes_100(staff):
    older = two_line_order()
    type(older).objects.filter(pk=older.pk).update(created_at=older.created_at - timedelta(days=40))
    ask(older, lines={"Teapot": 2})
    recent = two_line_order()
    start, end = recent.created_at - timedelta(days=1), recent.created_at + timedelta(days=1)

    rows = {row.product_name: row for row in return_report(start=start, end=end)}

    assert (rows["Teapot"].sold, rows["Teapot"].returned, str(rows["Teapot"].rate)) == (2, 0, "0.0")


def test_the_report_leaves_out_rejected_requests_and_keeps_two_products_of_one_name_apart(staff):
    first = two_line_order()
    second = two_line_order()
    after_sales_reject(request=ask(first), actor=staff, reason="Used.")
    ask(second, lines={"Teapot": 2})
    start, end = first.created_at - timedelta(days=1), second.created_at + timedelta(days=1)

    teapots = sorted(
        (row.sold, row.returned)
        for row in return_report(start=start, end=end)
        if row.product_name == "Teapot"
    )

    assert teapots == [(2, 0), (2, 2)]


def test_the_report_page_counts_days_in_the_shops_time_zone(client, staff, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    order = two_line_order()
    ask(order)
    # 00:30 on 2 March in Shanghai is still 1 March in UTC: the report goes by the shop's day.
    placed = datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI)
    type(order).objects.filter(pk=order.pk).update(created_at=placed)
    AfterSalesRequest.objects.filter(order=order).update(created_at=placed)

    on_the_day = client.get(REPORT_URL, {"start": "2026-03-02", "end": "2026-03-02"})
    day_before = client.get(REPORT_URL, {"start": "2026-03-01", "end": "2026-03-01"})
    backwards = client.get(REPORT_URL, {"start": "2026-03-02", "end": "2026-03-01"})

    assert [(row.sold, row.returned) for row in on_the_day.context["rows"]] == [(2, 1), (1, 0)]
    assert day_before.context["rows"] == []
    assert backwards.status_code == 400
    assert "Teapot" in on_the_day.content.decode()


def test_the_admin_index_counts_requests_waiting_for_review_and_links_to_them(client, staff):
    order = two_line_order()
    ask(order)
    after_sales_reject(request=ask(order, lines={"Tea": 1}), actor=staff, reason="Used.")

    page = client.get(reverse("admin:index")).content.decode()

    changelist = reverse("admin:aftersales_aftersalesrequest_changelist")
    assert f'href="{changelist}?state=requested"' in page
    assert '<span class="shop-dashboard-value" data-stat="after-sales-to-review">1</span>' in page
    assert f'href="{reverse("admin:aftersales_aftersalesrequest_report")}"' in page
