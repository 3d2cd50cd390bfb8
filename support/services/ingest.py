"""Filing inbound mail: one message, one transaction."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import ORDER_NUMBER_ALPHABET, ORDER_NUMBER_LENGTH, ORDER_NUMBER_PREFIX
from shop.identity import email_canonical
from support.addresses import address_is_own
from support.inbound import ParsedEmail, email_parse, subject_clean
from support.models import Message, Notification, Ticket, TicketEvent
from support.selectors import (
    message_known,
    order_for_ticket_get,
    ticket_count_recent,
    ticket_id_for_email,
)
from support.services._shared import (
    acknowledgement_enqueue,
    attachment_store,
    event_record,
    files_delete,
    notification_enqueue,
    status_change,
)

_ORDER_NUMBER = re.compile(rf"\b{ORDER_NUMBER_PREFIX}[{ORDER_NUMBER_ALPHABET}]{{{ORDER_NUMBER_LENGTH}}}\b")


@dataclass(frozen=True)
class IngestResult:
    """What ``ticket_ingest_email`` did: the stored message, and whether this call stored it."""

    message: Message
    created: bool

    @property
    def ticket(self) -> Ticket:
        return self.message.ticket


def _inbound_message_create(
    *, ticket: Ticket, parsed: ParsedEmail, is_held: bool, saved: list[str]
) -> Message:
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        message_id=parsed.message_id,
        in_reply_to=" ".join(parsed.in_reply_to)[:998],
        references=" ".join(parsed.references),
        from_email=parsed.from_email,
        from_name=parsed.from_name,
        to_emails=parsed.to_emails,
        cc_emails=parsed.cc_emails,
        subject=parsed.subject[:255],
        body_text=parsed.text,
        body_reply=parsed.reply_text,
        body_html=parsed.html,
        raw_headers=parsed.raw_headers,
        is_auto=parsed.is_auto,
        is_bounce=parsed.is_bounce,
        is_held=is_held,
        flag_reason=parsed.flag_reason or (f"From: {parsed.from_email}" if is_held else ""),
        dropped_attachments="\n".join(parsed.dropped_attachments),
    )
    for attachment in parsed.attachments:
        attachment_store(
            message=message,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=ContentFile(attachment.data),
            content_id=attachment.content_id,
            is_inline=attachment.is_inline,
            saved=saved,
        )
    if parsed.is_bounce and parsed.bounced_message_ids:
        Message.objects.filter(
            message_id__in=parsed.bounced_message_ids, direction=Message.Direction.OUTBOUND
        ).update(delivery_status=Message.Delivery.BOUNCED, last_error=parsed.reply_text[:2000])
    return message


def _order_mentioned(*, parsed: ParsedEmail, customer: AbstractBaseUser | None) -> tuple[str, object]:
    numbers = _ORDER_NUMBER.findall(f"{parsed.subject}\n{parsed.text}")
    for number in dict.fromkeys(numbers):
        order = order_for_ticket_get(number=number, email=parsed.from_email, user=customer)
        if order is not None:
            return number, order
    return (numbers[0] if numbers else ""), None


def _ticket_open_from_email(*, parsed: ParsedEmail, saved: list[str]) -> Message:
    automatic = parsed.is_auto or parsed.is_bounce
    sender = email_canonical(parsed.from_email)
    customer = get_user_model().objects.filter(email_canonical=sender, is_active=True).first()
    copied = [
        address
        for address in dict.fromkeys([*parsed.to_emails, *parsed.cc_emails])
        if email_canonical(address) != sender and not address_is_own(address)
    ]
    order_reference, order = _order_mentioned(parsed=parsed, customer=customer)
    # A sender the mail gateway could not authenticate may be anyone: such a ticket is held
    # for staff, linked to no account and never answered automatically.
    forged = bool(parsed.authentication_failure)
    if forged:
        customer, order_reference, order = None, order_reference, None
    ticket = Ticket.objects.create(
        subject=subject_clean(parsed.subject)[:255],
        customer_email=parsed.from_email,
        customer_name=parsed.from_name,
        customer=customer,
        cc_pending=copied[:20],
        order=order,
        order_reference=order_reference,
        # Automatic mail is kept, but nobody needs to answer it.
        status=Ticket.Status.CLOSED if automatic else Ticket.Status.NEW,
        source=Ticket.Source.EMAIL,
        language=parsed.language,
    )
    message = _inbound_message_create(ticket=ticket, parsed=parsed, is_held=forged, saved=saved)
    event_record(ticket=ticket, kind=TicketEvent.Kind.OPENED, to_value=ticket.status, note=parsed.flag_reason)
    if automatic:
        return message
    if forged:
        notification_enqueue(ticket=ticket, message=message, kind=Notification.Kind.HELD)
        return message
    since = timezone.now() - settings.SUPPORT_RATE_LIMIT_WINDOW
    # A responder that ignores every header still cannot ping-pong with us:
    # past the limit a new ticket is stored but not acknowledged.
    if ticket_count_recent(since=since, email=parsed.from_email) <= settings.SUPPORT_RATE_LIMIT_PER_EMAIL:
        acknowledgement_enqueue(ticket=ticket, message=message)
    notification_enqueue(ticket=ticket, message=message, kind=Notification.Kind.NEW_TICKET)
    return message


@transaction.atomic(durable=True)
def _ticket_ingest_parsed(*, parsed: ParsedEmail, saved: list[str]) -> Message:
    ticket_id = ticket_id_for_email(parsed=parsed)
    ticket = None
    if ticket_id is not None:
        # The ticket row is the lock: a staff reply and an inbound mail change its status one at a time.
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "assignee")
            .get(pk=ticket_id)
        )
    if ticket is None:
        return _ticket_open_from_email(parsed=parsed, saved=saved)

    automatic = parsed.is_auto or parsed.is_bounce
    # Automatic mail from a stranger is held too: an Auto-Submitted header must not carry
    # anyone's text into another customer's thread. So is mail whose sender the gateway
    # could not authenticate.
    held = bool(parsed.authentication_failure) or not ticket.sender_is_customer(parsed.from_email)
    message = _inbound_message_create(ticket=ticket, parsed=parsed, is_held=held, saved=saved)
    if automatic:
        return message
    if held:
        notification_enqueue(ticket=ticket, message=message, kind=Notification.Kind.HELD)
    else:
        if ticket.status != Ticket.Status.NEW:
            status_change(ticket=ticket, status=Ticket.Status.OPEN)
        notification_enqueue(ticket=ticket, message=message, kind=Notification.Kind.CUSTOMER_REPLY)
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["status", "last_activity_at"])
    return message


def ticket_ingest_email(*, raw: bytes) -> IngestResult:
    """File one raw RFC 822 message in its ticket, or open a new ticket for it.

    Matching, sender checks and loop rules: see ``support.selectors.ticket_id_for_email``.
    Mail from someone who is not the customer (nor a known CC) is held for staff;
    automatic mail and bounces are stored, flagged, and never answered nor announced.
    A reply to a closed ticket reopens it.

    Idempotent per Message-ID: a message already stored (or our own staff
    notice coming back) returns ``created=False`` and writes nothing; the
    unique constraint settles concurrent deliveries. Raises MalformedEmail,
    writing nothing. One message, one transaction; must not run inside one.
    """
    parsed = email_parse(raw)
    known = message_known(message_id=parsed.message_id)
    if known is not None:
        return IngestResult(message=known, created=False)
    saved: list[str] = []
    try:
        message = _ticket_ingest_parsed(parsed=parsed, saved=saved)
    except IntegrityError:
        files_delete(saved)
        known = message_known(message_id=parsed.message_id)
        if known is None:
            raise
        return IngestResult(message=known, created=False)
    except BaseException:
        files_delete(saved)
        raise
    return IngestResult(message=message, created=True)
