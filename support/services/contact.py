"""Opening a ticket from the contact form."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from shop.identity import email_canonical
from support.addresses import message_id_make
from support.exceptions import TicketRateLimited
from support.models import Message, Notification, Ticket, TicketEvent
from support.selectors import order_for_ticket_get, ticket_count_recent
from support.services._shared import (
    acknowledgement_enqueue,
    attachment_store,
    event_record,
    files_delete,
    ip_address_hash,
    notification_enqueue,
    support_address,
)


def _ticket_rate_check(*, email: str, ip_hash: str) -> None:
    since = timezone.now() - settings.SUPPORT_RATE_LIMIT_WINDOW
    # Counted, not locked: two submissions racing past the limit by one are
    # harmless, and a lock per address would serialise every contact form.
    if ticket_count_recent(since=since, email=email) >= settings.SUPPORT_RATE_LIMIT_PER_EMAIL:
        raise TicketRateLimited(scope="email")
    if ticket_count_recent(since=since, ip_hash=ip_hash) >= settings.SUPPORT_RATE_LIMIT_PER_IP:
        raise TicketRateLimited(scope="ip")


@transaction.atomic(durable=True)
def _ticket_open_from_form(
    *,
    email: str,
    name: str,
    subject: str,
    body: str,
    order_number: str,
    attachments: Sequence[File],
    user: AbstractBaseUser | AnonymousUser | None,
    ip_address: str,
    language: str,
    saved: list[str],
) -> Ticket:
    ip_hash = ip_address_hash(ip_address)
    _ticket_rate_check(email=email, ip_hash=ip_hash)
    signed_in = user if user is not None and user.is_authenticated else None
    order = order_for_ticket_get(number=order_number, email=email, user=signed_in)
    # The ticket is the account's only when written from the account's own address: replies
    # to another address are that mailbox's, not the signed-in customer's to read or export.
    owner = (
        signed_in if signed_in is not None and email_canonical(email) == signed_in.email_canonical else None
    )
    ticket = Ticket.objects.create(
        subject=subject[:255],
        customer_email=email,
        customer_name=name[:150],
        customer=owner,
        order=order,
        order_reference=order_number.strip().upper()[:32],
        source=Ticket.Source.WEB,
        language=language,
        source_ip_hash=ip_hash,
    )
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        message_id=message_id_make(),
        from_email=email,
        from_name=name[:150],
        to_emails=[support_address()],
        subject=subject[:255],
        body_text=body,
        body_reply=body,
    )
    for upload in attachments:
        attachment_store(
            message=message,
            filename=upload.name,
            content_type=getattr(upload, "content_type", ""),
            content=upload,
            saved=saved,
        )
    event_record(ticket=ticket, kind=TicketEvent.Kind.OPENED, to_value=ticket.status)
    acknowledgement_enqueue(ticket=ticket, message=message)
    notification_enqueue(ticket=ticket, message=message, kind=Notification.Kind.NEW_TICKET)
    return ticket


def ticket_open_from_form(
    *,
    email: str,
    name: str,
    subject: str,
    body: str,
    order_number: str = "",
    attachments: Sequence[File] = (),
    user: AbstractBaseUser | AnonymousUser | None = None,
    ip_address: str = "",
    language: str = "",
) -> Ticket:
    """Open a ticket from the contact form, acknowledge it to the customer and notify staff.

    Links the order only when its email is the submitter's or ``user`` owns it.
    Raises TicketRateLimited (scope "email" or "ip") when the address or IP
    opened SUPPORT_RATE_LIMIT_PER_EMAIL / _PER_IP tickets within
    SUPPORT_RATE_LIMIT_WINDOW; on any error nothing is stored, files included.
    """
    saved: list[str] = []
    try:
        return _ticket_open_from_form(
            email=email.strip(),
            name=name.strip(),
            subject=subject.strip(),
            body=body.strip(),
            order_number=order_number,
            attachments=attachments,
            user=user,
            ip_address=ip_address,
            language=language or settings.LANGUAGE_CODE,
            saved=saved,
        )
    except BaseException:
        files_delete(saved)
        raise
