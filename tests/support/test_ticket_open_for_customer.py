"""Staff open a ticket about an order: the first message carries the reference, the answer threads."""

import pytest
from django.core import mail

from support.exceptions import EmptyReply
from support.models import Message, Ticket, TicketEvent
from support.services import ticket_ingest_email, ticket_open_for_customer
from tests.factories import OrderFactory, StaffUserFactory, UserFactory
from tests.support.helpers import run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def reply_to(sent, *, body: str) -> bytes:
    return (
        "From: Ann Lee <ann@example.com>\r\n"
        f"To: {sent.reply_to[0]}\r\n"
        f"Subject: Re: {sent.subject}\r\n"
        "Message-ID: <answer-1@example.com>\r\n"
        f"In-Reply-To: {sent.extra_headers['Message-ID']}\r\n"
        "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def test_the_first_message_is_mailed_with_the_reference_and_the_answer_threads_into_the_ticket():
    order = OrderFactory(email="ann@example.com", full_name="Ann Lee", language="en")
    staff = StaffUserFactory()

    ticket = ticket_open_for_customer(
        order=order, subject="Your return AS123", body="  Could you send a photo of the crack?  ", actor=staff
    )
    run_tasks()
    sent = mail.outbox[-1]
    result = ticket_ingest_email(raw=reply_to(sent, body="Here it is."))

    ticket.refresh_from_db()
    first = ticket.messages.get(direction=Message.Direction.OUTBOUND)
    assert (ticket.order, ticket.customer_email, ticket.source) == (order, "ann@example.com", "staff")
    assert first.body_text == "Could you send a photo of the crack?"
    assert (first.author, first.to_emails) == (staff, ["ann@example.com"])
    assert sent.subject == f"[{ticket.reference}] Your return AS123"
    assert sent.to == ["ann@example.com"]
    assert f"+{ticket.token}@" in sent.reply_to[0]
    assert sent.extra_headers["Message-ID"] == first.message_id
    assert result.ticket == ticket
    answer = ticket.messages.get(direction=Message.Direction.INBOUND)
    assert answer.body_text.strip() == "Here it is."
    assert TicketEvent.objects.filter(ticket=ticket, kind="opened", actor=staff).count() == 1


def test_an_account_owns_the_ticket_only_when_the_order_email_is_its_own():
    ann = UserFactory(email="ann@example.com")
    own = OrderFactory(email="Ann@Example.com", user=ann)
    other = OrderFactory(email="someone@example.com", user=ann)
    staff = StaffUserFactory()

    mine = ticket_open_for_customer(order=own, subject="About your order", body="Hello", actor=staff)
    theirs = ticket_open_for_customer(order=other, subject="About your order", body="Hello", actor=staff)

    assert (mine.customer_id, theirs.customer_id) == (ann.pk, None)


def test_an_empty_first_message_is_refused_and_nothing_is_stored():
    order = OrderFactory()

    with pytest.raises(EmptyReply):
        ticket_open_for_customer(order=order, subject="About", body="   ", actor=StaffUserFactory())

    assert not Ticket.objects.exists()
    assert not mail.outbox
