"""Staff replies and notes, and their mail delivered to a real SMTP server on 127.0.0.1."""

from email.utils import getaddresses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from support.exceptions import EmptyReply
from support.models import Message, Notification, Ticket, TicketEvent
from support.services import ticket_ingest_email, ticket_open_from_form, ticket_reply
from tests.factories import StaffUserFactory, TicketFactory, TicketMessageFactory
from tests.support.helpers import LocalSmtpServer, free_port, run_tasks

pytestmark = pytest.mark.django_db


def thread_ticket() -> Ticket:
    ticket = TicketFactory(
        subject="Where is my parcel?", customer_email="ann@example.com", cc_emails=["bo@example.com"]
    )
    TicketMessageFactory(ticket=ticket, message_id="<first@example.com>")
    TicketMessageFactory(ticket=ticket, message_id="<second@example.com>")
    return ticket


def test_a_reply_is_stored_threaded_and_queued_and_the_ticket_waits_on_the_customer():
    ticket = thread_ticket()
    staff = StaffUserFactory()

    reply = ticket_reply(ticket=ticket, author=staff, body="  It ships today.  ")

    ticket.refresh_from_db()
    assert reply.direction == Message.Direction.OUTBOUND
    assert reply.body_text == "It ships today."
    assert reply.subject == f"[{ticket.reference}] Re: Where is my parcel?"
    assert reply.message_id.startswith("<") and reply.message_id.endswith("@shop.test>")
    assert reply.in_reply_to == "<second@example.com>"
    assert reply.references == "<first@example.com> <second@example.com>"
    assert (reply.to_emails, reply.cc_emails) == (["ann@example.com"], ["bo@example.com"])
    assert reply.delivery_status == Message.Delivery.QUEUED
    assert ticket.status == Ticket.Status.WAITING
    event = ticket.events.get()
    assert (event.kind, event.from_value, event.to_value, event.actor) == ("status", "open", "waiting", staff)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["kwargs"]) == (
        "support.tasks.support_message_send",
        {"message_id": reply.pk},
    )


def test_an_internal_note_is_never_mailed_and_leaves_the_status_alone():
    ticket = thread_ticket()

    note = ticket_reply(ticket=ticket, author=StaffUserFactory(), body="Customer called too.", internal=True)

    ticket.refresh_from_db()
    assert note.direction == Message.Direction.NOTE
    assert note.message_id is None
    assert ticket.status == Ticket.Status.OPEN
    assert not DBTaskResult.objects.exists()


def test_an_empty_reply_is_refused_and_nothing_is_stored():
    ticket = thread_ticket()

    with pytest.raises(EmptyReply):
        ticket_reply(ticket=ticket, author=StaffUserFactory(), body="   ")

    assert ticket.messages.count() == 2
    assert not TicketEvent.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_staff_reply_reaches_a_real_smtp_server_with_the_thread_headers(settings):
    ticket = thread_ticket()
    reply = ticket_reply(
        ticket=ticket,
        author=StaffUserFactory(),
        body="Hello Ann,\nit ships today.",
        attachments=[SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", content_type="application/pdf")],
    )

    with LocalSmtpServer() as smtp:
        smtp.use_in(settings)
        run_tasks()

    reply.refresh_from_db()
    [mail] = smtp.messages
    assert mail["Subject"] == f"[{ticket.reference}] Re: Where is my parcel?"
    assert mail["Message-ID"] == reply.message_id
    assert mail["In-Reply-To"] == "<second@example.com>"
    assert mail["References"] == "<first@example.com> <second@example.com>"
    assert getaddresses([mail["Reply-To"]])[0][1] == f"support+{ticket.token}@shop.test"
    assert getaddresses([mail["From"]])[0][1] == "support@shop.test"
    assert mail["To"] == "ann@example.com"
    assert mail["Cc"] == "bo@example.com"
    assert mail["Auto-Submitted"] is None
    assert sorted(smtp.envelopes[0][1]) == ["ann@example.com", "bo@example.com"]
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Ann,\nit ships today.")
    assert f"Reference {ticket.reference}." in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Hello Ann,<br>it ships today." in html
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("label.pdf", b"%PDF-1.4 label")
    assert reply.delivery_status == Message.Delivery.SENT
    assert reply.attempts == 1
    assert reply.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_customers_answer_to_a_sent_reply_comes_back_to_the_ticket(settings):
    ticket = thread_ticket()
    ticket_reply(ticket=ticket, author=StaffUserFactory(), body="Which colour?")
    with LocalSmtpServer() as smtp:
        smtp.use_in(settings)
        run_tasks()
    [sent] = smtp.messages
    answer = (
        f"From: Ann <ann@example.com>\r\nTo: {sent['Reply-To']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"Message-ID: <answer-1@example.com>\r\nIn-Reply-To: {sent['Message-ID']}\r\n"
        f"References: {sent['References']} {sent['Message-ID']}\r\n\r\nBlue, please.\r\n"
    ).encode()

    result = ticket_ingest_email(raw=answer)

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.body_reply == "Blue, please."
    assert ticket.status == Ticket.Status.OPEN


@pytest.mark.django_db(transaction=True)
def test_the_acknowledgement_and_the_staff_notice_are_marked_automatic(settings):
    ticket = ticket_open_from_form(email="ann@example.com", name="Ann", subject="Hello", body="A question.")

    with LocalSmtpServer() as smtp:
        smtp.use_in(settings)
        run_tasks()

    by_recipient = {mail["To"]: mail for mail in smtp.messages}
    acknowledgement = by_recipient["ann@example.com"]
    assert acknowledgement["Subject"] == f"[{ticket.reference}] We received your request"
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert getaddresses([acknowledgement["Reply-To"]])[0][1] == f"support+{ticket.token}@shop.test"
    assert "A question." not in acknowledgement.get_body(preferencelist=("plain",)).get_content()
    notice = by_recipient["team@shop.test"]
    assert notice["Subject"] == f"[{ticket.reference}] New ticket: Hello"
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Message-ID"] == Notification.objects.get().message_id
    assert (
        f"https://shop.test/admin/support/ticket/{ticket.pk}/change/"
        in notice.get_body(preferencelist=("plain",)).get_content()
    )
    assert Notification.objects.get().delivery_status == "sent"


@pytest.mark.django_db(transaction=True)
def test_a_reply_to_an_assigned_ticket_notifies_the_assignee(settings):
    assignee = StaffUserFactory(email="mei@shop.test")
    ticket = TicketFactory(customer_email="ann@example.com", assignee=assignee)
    TicketMessageFactory(ticket=ticket, message_id="<first@example.com>")
    answer = (
        b"From: ann@example.com\r\nMessage-ID: <a2@example.com>\r\nIn-Reply-To: <first@example.com>\r\n"
        b"Subject: more\r\n\r\nOne more thing.\r\n"
    )
    ticket_ingest_email(raw=answer)

    with LocalSmtpServer() as smtp:
        smtp.use_in(settings)
        run_tasks()

    [notice] = smtp.messages
    assert notice["To"] == "mei@shop.test"
    assert "One more thing." in notice.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_smtp_server_means_a_retry_later_not_a_lost_mail(settings):
    ticket = thread_ticket()
    reply = ticket_reply(ticket=ticket, author=StaffUserFactory(), body="It ships today.")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    run_tasks()

    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.RETRYING
    assert reply.attempts == 1
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"message_id": reply.pk, "attempt": 2}
    assert retry.run_after > DBTaskResult.objects.get(status="SUCCESSFUL").finished_at


class RefusingSmtpServer(LocalSmtpServer):
    async def handle_DATA(self, server, session, envelope) -> str:
        return "554 5.7.1 Message rejected"


@pytest.mark.django_db(transaction=True)
def test_a_permanent_refusal_marks_the_reply_failed(settings):
    ticket = thread_ticket()
    reply = ticket_reply(ticket=ticket, author=StaffUserFactory(), body="It ships today.")

    with RefusingSmtpServer() as smtp:
        smtp.use_in(settings)
        run_tasks()

    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.FAILED
    assert "554" in reply.last_error
    assert DBTaskResult.objects.get().status == "FAILED"
