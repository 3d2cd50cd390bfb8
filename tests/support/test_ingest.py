"""Filing inbound mail: support.services.ticket_ingest_email on the sample messages."""

# Chinese mail is full of full-width punctuation; that is what these tests check.
# ruff: noqa: RUF001

import pytest
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult

from support.exceptions import MalformedEmail, MessageNotHeld
from support.models import Message, Notification, Ticket, TicketEvent
from support.services import message_release, ticket_ingest_email
from tests.factories import OrderFactory, StaffUserFactory, TicketFactory, TicketMessageFactory, UserFactory
from tests.support.helpers import OUR_REPLY_ID, SAMPLE_TICKET_ID, TOKEN, eml, lena_ticket

pytestmark = pytest.mark.django_db

SEND_MESSAGE = "support.tasks.support_message_send"
SEND_NOTICE = "support.tasks.support_notification_send"


def queued(task_path: str) -> list[dict]:
    return [task.args_kwargs["kwargs"] for task in DBTaskResult.objects.filter(task_path=task_path)]


def test_a_new_message_opens_a_ticket_acknowledges_it_and_notifies_staff():
    result = ticket_ingest_email(raw=eml("gmail_new_request.eml"))

    ticket = result.ticket
    assert result.created is True
    assert (ticket.subject, ticket.customer_email, ticket.customer_name) == (
        "Wrong size delivered",
        "lena.hoffmann@gmail.com",
        "Lena Hoffmann",
    )
    assert (ticket.status, ticket.source, ticket.language) == ("new", "email", "en")
    inbound, acknowledgement = ticket.messages.order_by("id")
    assert inbound.message_id == "<CAKx9fQ2vN8p0=Ty5aH3xkN4bW7gF+u1ZC9xw@mail.gmail.com>"
    assert acknowledgement.direction == Message.Direction.OUTBOUND
    assert acknowledgement.is_auto is True
    assert acknowledgement.in_reply_to == inbound.message_id
    assert acknowledgement.message_id.endswith("@shop.test>")
    assert acknowledgement.subject == f"[{ticket.reference}] We received your request"
    assert acknowledgement.delivery_status == Message.Delivery.QUEUED
    assert queued(SEND_MESSAGE) == [{"message_id": acknowledgement.pk}]
    notice = Notification.objects.get()
    assert (notice.kind, notice.to_email, notice.source_message_id) == (
        "new_ticket",
        "team@shop.test",
        inbound.pk,
    )
    assert queued(SEND_NOTICE) == [{"notification_id": notice.pk}]
    assert ticket.events.get().kind == TicketEvent.Kind.OPENED


def test_a_new_message_links_the_senders_own_order_it_mentions():
    order = OrderFactory(number="MPTEST2345", email="Lena.Hoffmann@gmail.com")

    ticket = ticket_ingest_email(raw=eml("gmail_new_request.eml")).ticket

    assert ticket.order == order
    assert ticket.order_reference == "MPTEST2345"


def test_an_order_of_someone_else_is_not_linked_but_the_number_is_kept_for_staff():
    OrderFactory(number="MPTEST2345", email="someone.else@example.com")

    ticket = ticket_ingest_email(raw=eml("gmail_new_request.eml")).ticket

    assert ticket.order is None
    assert ticket.order_reference == "MPTEST2345"


def test_new_ticket_from_a_registered_customer_is_linked_to_the_account():
    user = UserFactory(email="lena.hoffmann@gmail.com")

    ticket = ticket_ingest_email(raw=eml("gmail_new_request.eml")).ticket

    assert ticket.customer == user


def test_a_reply_threads_by_its_headers_alone():
    ticket = lena_ticket()

    result = ticket_ingest_email(raw=eml("gmail_reply.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.is_customer_reply is True
    assert (
        result.message.body_reply
        == "Great, I'll send it back tomorrow. Do I need to include the invoice?\n\nLena"
    )
    assert ticket.status == Ticket.Status.OPEN
    assert Ticket.objects.count() == 1
    assert queued(SEND_MESSAGE) == []
    assert Notification.objects.get().kind == Notification.Kind.CUSTOMER_REPLY


def test_a_reply_threads_by_the_token_in_its_reply_address():
    ticket = TicketFactory(
        customer_email="sophie.martin@icloud.com", token=TOKEN, status=Ticket.Status.WAITING
    )

    result = ticket_ingest_email(raw=eml("apple_mail_reply.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.body_reply == "Yes, the blue one please.\n\nSent from my iPhone"
    assert ticket.status == Ticket.Status.OPEN


def test_a_reply_threads_by_the_reference_in_its_subject():
    ticket = TicketFactory(pk=SAMPLE_TICKET_ID, customer_email="xiaoming.wang@qq.com")

    result = ticket_ingest_email(raw=eml("foxmail_reply_gbk.eml"))

    assert result.ticket == ticket
    assert result.message.from_name == "王晓明"
    assert result.message.body_reply.startswith("您好，\n\n我已经把衣服寄回去了")


def test_headers_win_over_the_token_and_the_subject():
    by_headers = lena_ticket(token="0" * 24)
    TicketFactory(customer_email="lena.hoffmann@gmail.com", token=TOKEN)

    result = ticket_ingest_email(raw=eml("auto_reply_out_of_office.eml"))

    assert result.ticket == by_headers


def test_a_reply_to_a_closed_ticket_reopens_it():
    ticket = lena_ticket(status=Ticket.Status.CLOSED)

    ticket_ingest_email(raw=eml("gmail_reply.eml"))

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    event = ticket.events.get()
    assert (event.kind, event.from_value, event.to_value) == ("status", "closed", "open")


def test_a_reply_from_a_known_cc_counts_as_the_customers():
    ticket = TicketFactory(
        customer_email="someone@example.com", cc_emails=["sophie.martin@icloud.com"], token=TOKEN
    )

    result = ticket_ingest_email(raw=eml("apple_mail_reply.eml"))

    assert result.ticket == ticket
    assert result.message.is_held is False


def test_mail_from_a_stranger_to_a_ticket_is_held_not_posted_as_the_customers():
    ticket = lena_ticket()

    result = ticket_ingest_email(raw=eml("stranger_to_ticket.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.is_held is True
    assert result.message.is_customer_reply is False
    assert result.message.flag_reason == "From: eve@example.net"
    assert ticket.status == Ticket.Status.WAITING
    assert Notification.objects.get().kind == Notification.Kind.HELD


def test_staff_accept_held_mail_and_its_sender_becomes_a_known_cc():
    ticket = lena_ticket()
    held = ticket_ingest_email(raw=eml("stranger_to_ticket.eml")).message
    staff = StaffUserFactory()

    message_release(message=held, actor=staff)

    ticket.refresh_from_db()
    held.refresh_from_db()
    assert held.is_held is False
    assert ticket.cc_emails == ["eve@example.net"]
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.events.filter(kind=TicketEvent.Kind.RELEASED, actor=staff).exists()


def test_releasing_mail_that_is_not_held_is_refused():
    message = TicketMessageFactory()

    with pytest.raises(MessageNotHeld):
        message_release(message=message, actor=StaffUserFactory())

    assert not TicketEvent.objects.exists()


def test_an_html_only_message_is_stored_as_text_with_sanitised_html():
    message = ticket_ingest_email(raw=eml("html_only.eml")).message

    assert message.body_text.startswith("Hello,\n\ncan you gift\u2011wrap order MPTEST2345 & add a card")
    assert "<script" not in message.body_html
    assert "onclick" not in message.body_html


@pytest.mark.parametrize(
    ("name", "subject", "excerpt"),
    [
        ("foxmail_reply_gbk.eml", "尺码不对", "快递单号是 SF1234567890"),
        ("gb2312_with_gbk_chars.eml", "咨询发货时间（镕喆）", "我是朱镕喆"),
    ],
)
def test_chinese_mail_opens_a_chinese_ticket(name, subject, excerpt):
    ticket = ticket_ingest_email(raw=eml(name)).ticket

    assert ticket.subject == subject
    assert ticket.language == "zh-hans"
    assert excerpt in ticket.messages.get(direction=Message.Direction.INBOUND).body_text


def test_an_auto_reply_is_recorded_but_answers_and_announces_nothing():
    ticket = lena_ticket()

    result = ticket_ingest_email(raw=eml("auto_reply_out_of_office.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert (result.message.is_auto, result.message.is_bounce) == (True, False)
    assert ticket.status == Ticket.Status.WAITING
    assert not DBTaskResult.objects.exists()
    assert not Notification.objects.exists()


def test_a_bounce_marks_our_message_bounced_and_answers_nothing():
    ticket = lena_ticket()

    result = ticket_ingest_email(raw=eml("bounce_dsn.eml"))

    ticket.refresh_from_db()
    assert result.ticket == ticket
    assert result.message.is_bounce is True
    assert ticket.messages.get(message_id=OUR_REPLY_ID).delivery_status == Message.Delivery.BOUNCED
    assert ticket.status == Ticket.Status.WAITING
    assert not DBTaskResult.objects.exists()


def test_automatic_mail_that_matches_no_ticket_is_filed_closed_without_an_answer():
    result = ticket_ingest_email(raw=eml("newsletter_bulk.eml"))

    assert result.ticket.status == Ticket.Status.CLOSED
    assert result.message.is_auto is True
    assert list(result.ticket.messages.all()) == [result.message]
    assert not DBTaskResult.objects.exists()


def test_our_own_mail_coming_back_never_starts_a_loop():
    raw = (
        b"From: Maple & Pine <support@shop.test>\r\nTo: support@shop.test\r\n"
        b"Message-ID: <own-1@shop.test>\r\nSubject: [T-1] Re: hello\r\n\r\nour own words\r\n"
    )

    result = ticket_ingest_email(raw=raw)

    assert result.message.is_auto is True
    assert result.ticket.status == Ticket.Status.CLOSED
    assert not DBTaskResult.objects.exists()


def test_our_own_staff_notice_coming_back_is_not_stored_again():
    ticket_ingest_email(raw=eml("gmail_new_request.eml"))
    notice = Notification.objects.get()
    raw = (
        f"From: Maple & Pine <support@shop.test>\r\nTo: team@shop.test\r\nMessage-ID: {notice.message_id}\r\n"
        "Auto-Submitted: auto-generated\r\nSubject: [T-1] New ticket\r\n\r\nA notice.\r\n"
    ).encode()

    result = ticket_ingest_email(raw=raw)

    assert result.created is False
    assert Message.objects.count() == 2


def test_the_same_message_delivered_twice_is_stored_once():
    first = ticket_ingest_email(raw=eml("gmail_new_request.eml"))
    tasks_before = DBTaskResult.objects.count()

    second = ticket_ingest_email(raw=eml("gmail_new_request.eml"))

    assert second.created is False
    assert second.message == first.message
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert DBTaskResult.objects.count() == tasks_before


def test_a_malformed_message_stores_nothing():
    with pytest.raises(MalformedEmail):
        ticket_ingest_email(raw=eml("malformed_no_headers.eml"))

    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_attachments_are_saved_to_storage_and_the_dropped_ones_noted():
    message = ticket_ingest_email(raw=eml("attachments.eml")).message

    photo, note = message.attachments.order_by("id")
    assert (photo.filename, photo.content_type, photo.is_inline, photo.content_id) == (
        "box.png",
        "image/png",
        True,
        "box-photo@example.com",
    )
    assert note.filename == "delivery note №1.pdf"
    with default_storage.open(note.file.name, "rb") as stored:
        assert stored.read().startswith(b"%PDF-1.4")
    assert note.size == 125
    assert message.dropped_attachments == "invoice.exe: type not allowed"


def test_a_flood_of_new_tickets_from_one_address_stops_being_acknowledged(settings):
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 2
    template = "From: loop@example.com\r\nMessage-ID: <loop-{n}@example.com>\r\nSubject: Hi {n}\r\n\r\nHi\r\n"

    for n in range(4):
        ticket_ingest_email(raw=template.format(n=n).encode())

    assert Ticket.objects.count() == 4
    assert len(queued(SEND_MESSAGE)) == 2
