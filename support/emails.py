"""What each support email says: template triples under ``templates/support/emails/``.

Building never sends; ``support.tasks`` does. Every mail to a customer carries
the ticket reference in its subject, our stored Message-ID, the thread's
In-Reply-To/References, and a Reply-To that routes the answer back to the
ticket (``support+<token>@<domain>``).
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shop.mail import email_render
from support.addresses import reply_address
from support.models import Message, Notification, Ticket

ACKNOWLEDGEMENT = "support/emails/ticket_acknowledgement"
TICKET_MESSAGE = "support/emails/ticket_message"
STAFF_NOTIFICATION = "support/emails/staff_notification"
REPLY_SUBJECT = "support/emails/ticket_reply.subject.txt"
OPENING_SUBJECT = "support/emails/ticket_opening.subject.txt"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _from_address() -> str:
    name, address = parseaddr(settings.SUPPORT_FROM_EMAIL)
    return formataddr((name or settings.SHOP_NAME, address))


def acknowledgement_render(*, ticket: Ticket) -> tuple[str, str]:
    """Subject and text of the "we received your request" mail, in the ticket's language.

    It repeats nothing the sender wrote: a contact form that mails back what it
    was given is a spam relay for anyone who types someone else's address.
    """
    context = {"ticket": ticket, "shop_name": settings.SHOP_NAME}
    with translation.override(ticket.language):
        subject = _one_line(render_to_string(f"{ACKNOWLEDGEMENT}.subject.txt", context))
        text = render_to_string(f"{ACKNOWLEDGEMENT}.txt", context).strip()
    return subject, text


def reply_subject(*, ticket: Ticket) -> str:
    """``[T-1042] Re: <subject>``, the subject of every staff reply."""
    return _one_line(render_to_string(REPLY_SUBJECT, {"ticket": ticket}))[:255]


def opening_subject(*, ticket: Ticket) -> str:
    """``[T-1042] <subject>``, the subject of the first message of a ticket staff open."""
    return _one_line(render_to_string(OPENING_SUBJECT, {"ticket": ticket}))[:255]


def ticket_message_build(*, message: Message) -> EmailMultiAlternatives:
    """The email for one outbound message of a thread (a staff reply or the acknowledgement)."""
    ticket = message.ticket
    context = {
        "ticket": ticket,
        "message": message,
        "body": message.body_text,
        "shop_name": settings.SHOP_NAME,
    }
    with translation.override(ticket.language):
        text = render_to_string(f"{TICKET_MESSAGE}.txt", context)
        html = render_to_string(f"{TICKET_MESSAGE}.html", context)
    headers = {"Message-ID": message.message_id, "Content-Language": ticket.language}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    if message.is_auto:
        # RFC 3834: an automatic answer, which well-behaved responders never answer in turn.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=_from_address(),
        to=list(message.to_emails),
        cc=list(message.cc_emails),
        reply_to=[formataddr((settings.SHOP_NAME, reply_address(token=ticket.token)))],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        with default_storage.open(attachment.file.name, "rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)
    return email


def staff_notification_build(*, notification: Notification) -> EmailMultiAlternatives:
    """The notice to staff about a new ticket, a customer reply or held mail, in the site language."""
    message = notification.source_message
    ticket = notification.ticket
    context = {
        "ticket": ticket,
        "message": message,
        "kind": notification.kind,
        "admin_url": settings.SITE_URL + reverse("admin:support_ticket_change", args=[ticket.pk]),
        "shop_name": settings.SHOP_NAME,
    }
    subject, text, html = email_render(
        templates=STAFF_NOTIFICATION, context=context, language=settings.LANGUAGE_CODE
    )
    headers = {
        "Message-ID": notification.message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if message.message_id:
        headers["In-Reply-To"] = message.message_id
        headers["References"] = message.message_id
    email = EmailMultiAlternatives(
        subject=subject[:255],
        body=text,
        from_email=_from_address(),
        to=[notification.to_email],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email
