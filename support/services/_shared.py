"""What the write paths share: files, events, status changes, notices, acknowledgements.

These run inside the callers' transactions; none opens its own.
"""

import logging
import os
import re
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils.crypto import salted_hmac
from django.utils.text import get_valid_filename

from support.addresses import message_id_make
from support.emails import acknowledgement_render
from support.models import Attachment, Message, Notification, Ticket, TicketEvent
from support.tasks import support_message_send, support_notification_send

logger = logging.getLogger(__name__)


def ip_address_hash(ip_address: str) -> str:
    """A keyed hash of an IP address: enough to count submissions, useless to anyone who reads the table."""
    return salted_hmac("support.ticket.ip", ip_address or "unknown").hexdigest()[:32]


def files_delete(names: list[str]) -> None:
    """Remove the files a failed write saved: storage is not transactional, so we undo by hand."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the file %s of a failed support write", name)


def _storage_name(filename: str) -> str:
    # The stored name is plain (letters, digits, CJK, "-_."); the original stays in Attachment.filename.
    stem, extension = os.path.splitext(filename)
    try:
        stem = get_valid_filename(stem)[:80]
    except SuspiciousFileOperation:
        stem = ""
    extension = re.sub(r"[^a-z0-9.]", "", extension.lower())[:10]
    return f"{stem or 'attachment'}{extension}"


def attachment_store(
    *,
    message: Message,
    filename: str,
    content_type: str,
    content: File,
    saved: list[str],
    content_id: str = "",
    is_inline: bool = False,
) -> Attachment:
    """Save one file of a message to media storage and record it; its name goes into ``saved``."""
    attachment = Attachment(
        message=message,
        filename=filename[:200],
        content_type=(content_type or "application/octet-stream")[:100],
        size=content.size,
        content_id=content_id[:255],
        is_inline=is_inline,
    )
    attachment.file.save(_storage_name(filename), content, save=False)
    saved.append(attachment.file.name)
    attachment.save()
    return attachment


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    actor: AbstractBaseUser | None = None,
    from_value: str = "",
    to_value: str = "",
    note: str = "",
) -> None:
    """Append one row to the ticket's history."""
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        from_value=from_value[:255],
        to_value=to_value[:255],
        note=note[:255],
    )


def status_change(
    *, ticket: Ticket, status: str, actor: AbstractBaseUser | None = None, note: str = ""
) -> None:
    """Set the status on the (locked) ticket and record the change; the caller saves the row."""
    if ticket.status == status:
        return
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS,
        actor=actor,
        from_value=ticket.status,
        to_value=status,
        note=note,
    )
    ticket.status = status


def notification_enqueue(*, ticket: Ticket, message: Message, kind: str) -> None:
    """Enqueue a notice to the assignee, or to SUPPORT_NOTIFY_EMAIL when nobody is assigned."""
    assignee = ticket.assignee
    to_email = assignee.email if assignee is not None and assignee.is_active else ""
    to_email = to_email or parseaddr(settings.SUPPORT_NOTIFY_EMAIL)[1]
    if not to_email:
        return
    notification = Notification.objects.create(
        ticket=ticket, source_message=message, kind=kind, to_email=to_email, message_id=message_id_make()
    )
    support_notification_send.enqueue(notification_id=notification.pk)


def acknowledgement_enqueue(*, ticket: Ticket, message: Message) -> Message:
    """Store and enqueue the automatic "we received your request" mail."""
    subject, text = acknowledgement_render(ticket=ticket)
    acknowledgement = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        message_id=message_id_make(),
        in_reply_to=message.message_id or "",
        references=message.message_id or "",
        from_email=parseaddr(settings.SUPPORT_FROM_EMAIL)[1],
        to_emails=[ticket.customer_email],
        subject=subject[:255],
        body_text=text,
        is_auto=True,
        delivery_status=Message.Delivery.QUEUED,
    )
    support_message_send.enqueue(message_id=acknowledgement.pk)
    return acknowledgement


def support_address() -> str:
    """The bare address of SUPPORT_EMAIL."""
    return parseaddr(settings.SUPPORT_EMAIL)[1]
