"""Staff answer tickets in the admin: the list, the ticket page, replies, held mail, attachments."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from support.models import Attachment, Message, Ticket, TicketEvent
from support.services import ticket_ingest_email
from tests.factories import OrderFactory, StaffUserFactory, TicketFactory, TicketMessageFactory, UserFactory
from tests.helpers import staff_login
from tests.support.helpers import TOKEN, eml

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/support/ticket/"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c636000000200"
    "0154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def staff_client(client):
    staff = StaffUserFactory(email="mei@shop.test")
    staff_login(client, staff)
    client.staff = staff
    return client


def change_url(ticket: Ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def test_the_ticket_list_shows_reference_customer_status_and_assignee(
    staff_client, django_assert_max_num_queries
):
    ticket = TicketFactory(
        subject="Wrong size", customer_email="ann@example.com", assignee=staff_client.staff
    )
    TicketFactory.create_batch(20)

    with django_assert_max_num_queries(12):
        response = staff_client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in html
    assert "Wrong size" in html
    assert "ann@example.com" in html
    assert "mei@shop.test" in html


def test_unanswered_tickets_are_one_filter_away(staff_client):
    new = TicketFactory(status=Ticket.Status.NEW)
    reopened = TicketFactory(status=Ticket.Status.OPEN)
    waiting = TicketFactory(status=Ticket.Status.WAITING)
    closed = TicketFactory(status=Ticket.Status.CLOSED)

    response = staff_client.get(LIST_URL)
    unanswered = staff_client.get(LIST_URL, {"unanswered": "yes"})

    assert "?unanswered=yes" in response.content.decode()
    assert {ticket.pk for ticket in unanswered.context["cl"].result_list} == {new.pk, reopened.pk}
    assert waiting.pk not in {ticket.pk for ticket in unanswered.context["cl"].result_list}
    assert closed.pk not in {ticket.pk for ticket in unanswered.context["cl"].result_list}


def test_the_list_filters_by_status_and_assignee(staff_client):
    mine = TicketFactory(assignee=staff_client.staff, status=Ticket.Status.WAITING)
    TicketFactory(status=Ticket.Status.WAITING)

    response = staff_client.get(LIST_URL, {"status": "waiting", "assignee__id__exact": staff_client.staff.pk})

    assert [ticket.pk for ticket in response.context["cl"].result_list] == [mine.pk]


@pytest.mark.parametrize("term", ["reference", "email", "subject"])
def test_search_finds_tickets_by_reference_email_and_subject(staff_client, term):
    ticket = TicketFactory(subject="Broken teapot lid", customer_email="zoe@example.com")
    TicketFactory.create_batch(3)
    query = {"reference": ticket.reference, "email": "zoe@example", "subject": "teapot"}[term]

    response = staff_client.get(LIST_URL, {"q": query})

    assert [found.pk for found in response.context["cl"].result_list] == [ticket.pk]


def test_the_ticket_page_shows_the_whole_thread_escaped_with_attachments_and_order(staff_client):
    order = OrderFactory(email="tom.baker@example.com")
    ticket = ticket_ingest_email(raw=eml("attachments.eml")).ticket
    Ticket.objects.filter(pk=ticket.pk).update(order=order)
    TicketMessageFactory(
        ticket=ticket, body_text="<script>alert('x')</script> & more", message_id="<x@example.com>"
    )

    response = staff_client.get(change_url(ticket))

    html = response.content.decode()
    assert response.status_code == 200
    assert "The box was crushed, see the photo below and the delivery note attached." in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    assert "<script>alert" not in html
    for attachment in Attachment.objects.all():
        assert reverse("admin:support_ticket_attachment", args=[ticket.pk, attachment.pk]) in html
    assert "invoice.exe: type not allowed" in html
    assert order.number in html
    assert 'name="body"' in html
    assert 'name="internal"' in html


def test_a_reply_from_the_ticket_page_is_queued_and_the_ticket_waits(staff_client):
    ticket = TicketFactory(status=Ticket.Status.OPEN)
    TicketMessageFactory(ticket=ticket)

    response = staff_client.post(
        change_url(ticket), {"body": "It ships today.", "status": "open", "assignee": "", "cc_emails": ""}
    )

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == change_url(ticket)
    reply = ticket.messages.get(direction=Message.Direction.OUTBOUND)
    assert (reply.body_text, reply.author) == ("It ships today.", staff_client.staff)
    assert ticket.status == Ticket.Status.WAITING
    assert DBTaskResult.objects.get().task_path == "support.tasks.support_message_send"


def test_reply_and_close_in_one_go(staff_client):
    ticket = TicketFactory(status=Ticket.Status.OPEN)

    staff_client.post(
        change_url(ticket), {"body": "Done.", "status": "closed", "assignee": "", "cc_emails": ""}
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert list(ticket.events.values_list("to_value", flat=True)) == ["waiting", "closed"]


def test_an_internal_note_from_the_ticket_page_is_not_mailed(staff_client):
    ticket = TicketFactory(status=Ticket.Status.OPEN)

    staff_client.post(
        change_url(ticket),
        {"body": "Called the carrier.", "internal": "on", "status": "open", "assignee": "", "cc_emails": ""},
    )

    ticket.refresh_from_db()
    assert ticket.messages.get().direction == Message.Direction.NOTE
    assert ticket.status == Ticket.Status.OPEN
    assert not DBTaskResult.objects.exists()


def test_assigning_and_changing_cc_is_recorded(staff_client):
    ticket = TicketFactory(status=Ticket.Status.NEW)

    staff_client.post(
        change_url(ticket),
        {
            "body": "",
            "status": "new",
            "assignee": staff_client.staff.pk,
            "cc_emails": "Bo@Example.com, al@example.com",
        },
    )

    ticket.refresh_from_db()
    assert ticket.assignee == staff_client.staff
    assert ticket.cc_emails == ["bo@example.com", "al@example.com"]
    assert sorted(ticket.events.values_list("kind", flat=True)) == ["assigned", "cc"]
    assert not ticket.messages.exists()


def test_bad_input_on_the_ticket_page_is_explained_not_stored(staff_client):
    ticket = TicketFactory()

    response = staff_client.post(
        change_url(ticket),
        {"body": "", "internal": "on", "status": "nonsense", "cc_emails": "not-an-address"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Write the note." in html
    assert "Enter valid email addresses, separated by commas." in html
    assert not ticket.messages.exists()
    assert not TicketEvent.objects.exists()


def test_held_mail_is_marked_and_can_be_accepted(staff_client):
    ticket = TicketFactory(
        customer_email="lena.hoffmann@gmail.com", token=TOKEN, status=Ticket.Status.WAITING
    )
    held = ticket_ingest_email(raw=eml("stranger_to_ticket.eml")).message
    page = staff_client.get(change_url(ticket)).content.decode()

    response = staff_client.post(reverse("admin:support_ticket_release", args=[ticket.pk, held.pk]))

    ticket.refresh_from_db()
    held.refresh_from_db()
    assert "Held: not from the customer" in page
    assert "eve@example.net" in page
    assert response.status_code == 302
    assert held.is_held is False
    assert ticket.cc_emails == ["eve@example.net"]


def test_accepting_needs_a_post(staff_client):
    message = TicketMessageFactory(is_held=True)

    response = staff_client.get(reverse("admin:support_ticket_release", args=[message.ticket_id, message.pk]))

    assert response.status_code == 405


def attachment(ticket: Ticket, name: str, content: bytes, content_type: str) -> Attachment:
    message = TicketMessageFactory(ticket=ticket)
    stored = Attachment(message=message, filename=name, content_type=content_type, size=len(content))
    stored.file.save(name, ContentFile(content), save=True)
    return stored


def test_an_image_attachment_is_shown_and_anything_else_downloaded(staff_client):
    ticket = TicketFactory()
    image = attachment(ticket, "photo.png", PNG, "image/png")
    page = attachment(ticket, "page.html", b"<script>alert(1)</script>", "text/html")

    shown = staff_client.get(image.get_admin_url())
    downloaded = staff_client.get(page.get_admin_url())

    assert shown["Content-Type"] == "image/png"
    assert not shown["Content-Disposition"].startswith("attachment")
    assert b"".join(shown.streaming_content) == PNG
    assert downloaded["Content-Type"] == "application/octet-stream"
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert "sandbox" in downloaded["Content-Security-Policy"]


def test_customers_cannot_reach_tickets_or_attachments(client):
    ticket = TicketFactory()
    stored = attachment(ticket, "photo.png", PNG, "image/png")
    client.force_login(UserFactory())

    responses = [client.get(change_url(ticket)), client.get(stored.get_admin_url()), client.get(LIST_URL)]

    assert [response.status_code for response in responses] == [302, 302, 302]
    assert all("/admin/login/" in response["Location"] for response in responses)


def test_an_unknown_ticket_is_a_404(staff_client):
    assert staff_client.get("/admin/support/ticket/999999999/change/").status_code == 404
    assert staff_client.get("/admin/support/ticket/abc/change/").status_code in (302, 404)


def test_staff_notices_are_listed_read_only(staff_client):
    ticket_ingest_email(raw=eml("gmail_new_request.eml"))

    response = staff_client.get("/admin/support/notification/")

    assert response.status_code == 200
    assert "team@shop.test" in response.content.decode()
    assert staff_client.get("/admin/support/notification/add/").status_code == 403
