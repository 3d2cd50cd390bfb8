"""Support's part of a customer's data export and account erasure (registered in SupportConfig.ready()).

Only what the customer sent is theirs to take: messages from CC'd people and staff replies are
left out of the export. Erasure makes the tickets anonymous and strips the customer's address
from the messages.
"""

from typing import Any

from shop.identity import email_canonical
from shop.models import User
from shop.privacy import ANONYMISED_NAME, PrivacyPart, privacy_value
from support.models import Message, Ticket
from support.selectors import ticket_list_for_customer


def _customer_addresses(user: User, tickets: list[Ticket]) -> set[str]:
    return {user.email_canonical} | {ticket.customer_email_canonical for ticket in tickets}


def _customer_messages(ticket: Ticket, addresses: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "sent_at": privacy_value(message.created_at),
            "from_email": message.from_email,
            "subject": message.subject,
            "text": message.body_text,
            "attachments": [attachment.filename for attachment in message.attachments.all()],
        }
        for message in ticket.messages.all()
        if message.direction == Message.Direction.INBOUND and email_canonical(message.from_email) in addresses
    ]


def ticket_privacy_export(user: User) -> list[dict[str, Any]]:
    """The customer's tickets with the messages they sent."""
    tickets = list(ticket_list_for_customer(user=user).prefetch_related("messages__attachments"))
    addresses = _customer_addresses(user, tickets)
    return [
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "created_at": privacy_value(ticket.created_at),
            "customer_email": ticket.customer_email,
            "customer_name": ticket.customer_name,
            "order_number": ticket.order.number if ticket.order else "",
            "messages": _customer_messages(ticket, addresses),
        }
        for ticket in tickets
    ]


def ticket_privacy_erase(user: User) -> None:
    """Make the customer's tickets anonymous and remove their address from the messages."""
    tickets = list(ticket_list_for_customer(user=user))
    addresses = _customer_addresses(user, tickets)
    ticket_ids = [ticket.pk for ticket in tickets]
    Ticket.objects.filter(pk__in=ticket_ids).update(
        customer=None,
        customer_email="",
        customer_email_canonical="",
        customer_name=ANONYMISED_NAME,
        cc_emails=[],
        cc_pending=[],
    )
    inbound = Message.objects.filter(ticket_id__in=ticket_ids, direction=Message.Direction.INBOUND)
    sent_by_customer = [
        message.pk
        for message in inbound.only("pk", "from_email")
        if email_canonical(message.from_email) in addresses
    ]
    Message.objects.filter(pk__in=sent_by_customer).update(from_email="", from_name="", raw_headers="")
    # Replies went to the customer's address.
    for message in Message.objects.filter(ticket_id__in=ticket_ids).exclude(to_emails=[]):
        kept = [to for to in message.to_emails if email_canonical(to) not in addresses]
        if kept != message.to_emails:
            Message.objects.filter(pk=message.pk).update(to_emails=kept, raw_headers="")


SUPPORT_PRIVACY_PART = PrivacyPart(
    key="support_tickets", export=ticket_privacy_export, erase=ticket_privacy_erase
)
