"""What staff do on a ticket: reply, note, update, accept held mail."""

from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from orders.models import Order
from shop.identity import email_canonical
from support.addresses import message_id_make
from support.emails import opening_subject, reply_subject
from support.exceptions import EmptyReply, MessageNotHeld
from support.models import Message, Ticket, TicketEvent
from support.selectors import ticket_thread_id_list
from support.services._shared import (
    attachment_store,
    event_record,
    files_delete,
    status_change,
)
from support.tasks import support_message_send

# References of a reply: the first message and the latest ones, as mail clients keep them.
MAX_REFERENCES = 20


def _outbound_create(*, ticket: Ticket, author: AbstractBaseUser, body: str, subject: str) -> Message:
    """A staff message to the customer, threaded under the conversation (on the locked ticket)."""
    thread = ticket_thread_id_list(ticket=ticket)
    references = thread[:1] + thread[1:][-(MAX_REFERENCES - 1) :]
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        author=author,
        # Made and stored before the mail exists, so a reply to it always finds this ticket.
        message_id=message_id_make(),
        in_reply_to=thread[-1] if thread else "",
        references=" ".join(references),
        from_email=parseaddr(settings.SUPPORT_FROM_EMAIL)[1],
        to_emails=[ticket.customer_email],
        cc_emails=list(ticket.cc_emails),
        subject=subject,
        body_text=body,
        body_reply=body,
        delivery_status=Message.Delivery.QUEUED,
    )


def _outbound_send(*, ticket: Ticket, message: Message, author: AbstractBaseUser) -> None:
    """The ticket now waits on the customer; the mail goes out once the caller's transaction commits."""
    status_change(ticket=ticket, status=Ticket.Status.WAITING, actor=author)
    support_message_send.enqueue(message_id=message.pk)


@transaction.atomic(durable=True)
def _ticket_reply(
    *,
    ticket: Ticket,
    author: AbstractBaseUser,
    body: str,
    internal: bool,
    attachments: Sequence[File],
    saved: list[str],
) -> Message:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if internal:
        message = Message.objects.create(
            ticket=ticket, direction=Message.Direction.NOTE, author=author, body_text=body, body_reply=body
        )
    else:
        message = _outbound_create(
            ticket=ticket, author=author, body=body, subject=reply_subject(ticket=ticket)
        )
    for upload in attachments:
        attachment_store(
            message=message,
            filename=upload.name,
            content_type=getattr(upload, "content_type", ""),
            content=upload,
            saved=saved,
        )
    if not internal:
        _outbound_send(ticket=ticket, message=message, author=author)
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["status", "last_activity_at"])
    return message


def ticket_reply(
    *,
    ticket: Ticket,
    author: AbstractBaseUser,
    body: str,
    internal: bool = False,
    attachments: Sequence[File] = (),
) -> Message:
    """A staff answer on a ticket: an email to the customer (and known CCs), or an internal note.

    A reply stores its Message-ID before the mail is sent, threads it under
    the conversation (In-Reply-To/References), enqueues the mail and sets the
    ticket to waiting on customer. An internal note is stored only: never
    mailed, status unchanged. Locks the ticket row. Raises EmptyReply when
    there is neither text nor a file; nothing is stored then.
    """
    body = body.strip()
    if not body and not attachments:
        raise EmptyReply("A reply needs text or an attachment.")
    saved: list[str] = []
    try:
        return _ticket_reply(
            ticket=ticket, author=author, body=body, internal=internal, attachments=attachments, saved=saved
        )
    except BaseException:
        files_delete(saved)
        raise


_UNCHANGED = object()


@transaction.atomic(durable=True)
def ticket_update(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser,
    status: str | None = None,
    assignee: AbstractBaseUser | object | None = _UNCHANGED,
    cc_emails: Sequence[str] | None = None,
) -> Ticket:
    """Change a ticket's status, assignee or CC addresses, each change recorded as an event.

    Locks the ticket row. Arguments left out stay as they are (``assignee=None`` unassigns).
    """
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ticket.pk)
    fields: list[str] = []
    if status is not None and status != ticket.status:
        status_change(ticket=ticket, status=Ticket.Status(status), actor=actor)
        fields.append("status")
    if assignee is not _UNCHANGED and getattr(assignee, "pk", None) != ticket.assignee_id:
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.ASSIGNED,
            actor=actor,
            from_value=ticket.assignee.email if ticket.assignee else "",
            to_value=assignee.email if assignee is not None else "",
        )
        ticket.assignee = assignee
        fields.append("assignee")
    if cc_emails is not None:
        cleaned = list(dict.fromkeys(address.strip().lower() for address in cc_emails if address.strip()))
        if cleaned != ticket.cc_emails:
            event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.CC,
                actor=actor,
                from_value=", ".join(ticket.cc_emails),
                to_value=", ".join(cleaned),
            )
            ticket.cc_emails = cleaned
            approved = {email_canonical(address) for address in cleaned}
            ticket.cc_pending = [cc for cc in ticket.cc_pending if email_canonical(cc) not in approved]
            fields += ["cc_emails", "cc_pending"]
    if fields:
        ticket.save(update_fields=fields)
    return ticket


@transaction.atomic(durable=True)
def message_release(*, message: Message, actor: AbstractBaseUser) -> Message:
    """Accept held mail as the customer's: its sender becomes a known CC and the ticket reopens.

    Locks the ticket row. Raises MessageNotHeld for mail that is not held.
    """
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=message.ticket_id)
    )
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not message.is_held:
        raise MessageNotHeld("This message is not held.")
    message.is_held = False
    message.save(update_fields=["is_held"])
    if not ticket.sender_is_customer(message.from_email):
        ticket.cc_emails = [*ticket.cc_emails, message.from_email.lower()]
    sender = email_canonical(message.from_email)
    ticket.cc_pending = [cc for cc in ticket.cc_pending if email_canonical(cc) != sender]
    event_record(ticket=ticket, kind=TicketEvent.Kind.RELEASED, actor=actor, to_value=message.from_email)
    if ticket.status != Ticket.Status.NEW:
        status_change(ticket=ticket, status=Ticket.Status.OPEN, actor=actor)
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["cc_emails", "cc_pending", "status", "last_activity_at"])
    return message


@transaction.atomic
def ticket_open_for_customer(
    *, order: Order, subject: str, body: str, actor: AbstractBaseUser, language: str = ""
) -> Ticket:
    """Open a ticket about ``order`` with a first staff message mailed to the order's customer.

    Runs inside the caller's transaction (a higher app opens it under its own locks) or in
    its own. The mail carries the ticket's reference in its subject and a Reply-To that
    routes the customer's answer back to the ticket, as every staff reply does. The ticket
    belongs to the order's account only when the order's email is the account's. Raises
    EmptyReply without a message; nothing is stored then.
    """
    body = body.strip()
    if not body:
        raise EmptyReply("A first message needs text.")
    account = order.user
    owner = (
        account if account is not None and email_canonical(order.email) == account.email_canonical else None
    )
    ticket = Ticket.objects.create(
        subject=subject.strip()[:255],
        customer_email=order.email,
        customer_name=order.full_name[:150],
        customer=owner,
        order=order,
        order_reference=order.number,
        source=Ticket.Source.STAFF,
        language=language or order.language or settings.LANGUAGE_CODE,
        assignee=actor if actor.is_staff else None,
    )
    event_record(ticket=ticket, kind=TicketEvent.Kind.OPENED, actor=actor, to_value=ticket.status)
    message = _outbound_create(ticket=ticket, author=actor, body=body, subject=opening_subject(ticket=ticket))
    _outbound_send(ticket=ticket, message=message, author=actor)
    ticket.save(update_fields=["status"])
    return ticket
