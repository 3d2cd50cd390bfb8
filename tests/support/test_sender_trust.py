"""Whose words land in a customer's thread: strangers, automatic mail, forged senders, other addresses."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support.emails import acknowledgement_render
from support.models import Message, Notification, Ticket
from support.services import message_release, ticket_ingest_email, ticket_open_from_form, ticket_update
from tests.factories import StaffUserFactory, UserFactory
from tests.support.helpers import SAMPLE_TICKET_ID, eml, lena_ticket

pytestmark = pytest.mark.django_db


def test_automatic_mail_from_a_stranger_naming_a_ticket_is_held_not_posted_in_the_thread():
    ticket = lena_ticket(pk=SAMPLE_TICKET_ID)

    result = ticket_ingest_email(raw=eml("stranger_auto_submitted_to_ticket.eml"))

    assert result.ticket == ticket
    assert result.message.is_auto is True
    assert result.message.is_held is True
    assert not Notification.objects.exists()


def test_a_reply_whose_sender_failed_dmarc_is_held_for_staff():
    ticket = lena_ticket(pk=SAMPLE_TICKET_ID)

    result = ticket_ingest_email(raw=eml("dmarc_fail_reply.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.is_held is True
    assert ticket.status == Ticket.Status.WAITING
    assert Notification.objects.get().kind == Notification.Kind.HELD


def test_a_new_request_whose_sender_failed_dmarc_is_held_unanswered_and_linked_to_no_account():
    UserFactory(email="lena.hoffmann@gmail.com", email_verified_at=timezone.now())

    result = ticket_ingest_email(raw=eml("dmarc_fail_new_request.eml"))

    assert result.message.is_held is True
    assert result.ticket.customer is None
    assert Notification.objects.get().kind == Notification.Kind.HELD
    assert not DBTaskResult.objects.filter(task_path__contains="acknowledg").exists()
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_signed_in_customer_writing_from_another_address_opens_a_ticket_that_is_not_theirs(client):
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())

    ticket = ticket_open_from_form(
        email="bob@example.com", name="Ann", subject="Hello", body="Question", user=user, language="en"
    )
    client.force_login(user)
    data = json.loads(client.get(reverse("account:privacy_download")).content)

    assert ticket.customer is None
    assert data["support_tickets"] == []


def test_a_signed_in_customer_writing_from_their_own_address_owns_the_ticket():
    user = UserFactory(email="ann@example.com")

    ticket = ticket_open_from_form(
        email="Ann@Example.com", name="Ann", subject="Hello", body="Question", user=user, language="en"
    )

    assert ticket.customer == user


def test_the_acknowledgement_repeats_no_name_the_sender_typed():
    ticket = ticket_open_from_form(
        email="victim@example.com", name="Cheap pills at spam.example", subject="x", body="y", language="en"
    )

    _subject, text = acknowledgement_render(ticket=ticket)

    assert "spam.example" not in text
    assert text.startswith("Hello,")


def _reply_from_max(ticket: Ticket, number: int) -> bytes:
    return (
        f"From: Max Mustermann <max@example.org>\r\nTo: support+{ticket.token}@shop.test\r\n"
        f"Subject: Re: [{ticket.reference}] Gift order for my brother\r\n"
        f"Message-ID: <max-{number}@example.org>\r\n\r\nPlease send it to my address instead.\r\n"
    ).encode()


def test_addresses_copied_into_a_new_ticket_are_not_trusted_until_staff_add_them():
    ticket = ticket_ingest_email(raw=eml("new_request_with_cc.eml")).ticket

    held = ticket_ingest_email(raw=_reply_from_max(ticket, 1)).message

    ticket.refresh_from_db()
    assert ticket.cc_emails == []
    assert ticket.cc_pending == ["max@example.org"]
    assert held.is_held is True


def test_staff_adding_a_proposed_cc_trusts_it():
    ticket = ticket_ingest_email(raw=eml("new_request_with_cc.eml")).ticket

    ticket_update(ticket=ticket, actor=StaffUserFactory(), cc_emails=["Max@Example.org"])
    reply = ticket_ingest_email(raw=_reply_from_max(ticket, 2)).message

    ticket.refresh_from_db()
    assert ticket.cc_emails == ["max@example.org"]
    assert ticket.cc_pending == []
    assert reply.is_held is False


def test_releasing_a_proposed_ccs_held_mail_trusts_it():
    ticket = ticket_ingest_email(raw=eml("new_request_with_cc.eml")).ticket
    held = ticket_ingest_email(raw=_reply_from_max(ticket, 3)).message

    message_release(message=held, actor=StaffUserFactory())

    ticket.refresh_from_db()
    assert ticket.cc_emails == ["max@example.org"]
    assert ticket.cc_pending == []
