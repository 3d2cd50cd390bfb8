"""Reads of support tickets."""

import re
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from orders.models import Order
from orders.selectors import order_list_for_customer
from shop.identity import email_canonical
from shop.models import User
from support.addresses import token_from_address
from support.inbound import ParsedEmail
from support.models import Attachment, Message, Notification, Ticket

_SUBJECT_REFERENCE = re.compile(r"\[T-(\d{1,18})\]", re.IGNORECASE)


def ticket_list_for_customer(*, user: User) -> QuerySet[Ticket]:
    """Tickets of this customer: linked to the account, or opened from its address once verified.

    As with guest orders, tickets opened from the address only count after the account
    proved it reads mail there, so signing up with someone's address reveals nothing.
    """
    mine = Q(customer=user)
    if user.email_verified_at is not None:
        mine |= Q(customer__isnull=True, customer_email_canonical=user.email_canonical)
    return Ticket.objects.filter(mine).select_related("order").order_by("created_at", "id")


def ticket_count_recent(*, since: datetime, email: str = "", ip_hash: str = "") -> int:
    """Tickets opened since ``since`` by this address (any case) or from this IP hash (for rate limits)."""
    if email:
        return Ticket.objects.filter(
            created_at__gte=since, customer_email_canonical=email_canonical(email)
        ).count()
    if ip_hash:
        return Ticket.objects.filter(created_at__gte=since, source_ip_hash=ip_hash).count()
    return 0


def order_for_ticket_get(
    *, number: str, email: str, user: AbstractBaseUser | AnonymousUser | None = None
) -> Order | None:
    """The order a ticket may be linked to: only when its email is the submitter's or the user owns it.

    Returns None alike for an order that does not exist and one that is someone
    else's, so nobody learns about another customer's order.
    """
    number = number.strip().upper()
    if not number:
        return None
    order = Order.objects.filter(number=number).first()
    if order is None:
        return None
    if email and order.email_canonical == email_canonical(email):
        return order
    owner = user is not None and user.is_authenticated
    if owner and (
        order.user_id == user.pk or order_list_for_customer(user=user).filter(pk=order.pk).exists()
    ):
        return order
    return None


def ticket_id_for_email(*, parsed: ParsedEmail) -> int | None:
    """The ticket an inbound mail belongs to, or None for a new one.

    In order: the headers (In-Reply-To, References, a bounce's original
    Message-ID) against every Message-ID we stored; then the token in a
    plus-address we handed out; then a ``[T-1042]`` reference in the subject.
    """
    message_ids = parsed.thread_message_ids
    if message_ids:
        known = dict(
            Message.objects.filter(message_id__in=message_ids).values_list("message_id", "ticket_id")
        )
        known.update(
            Notification.objects.filter(message_id__in=message_ids).values_list("message_id", "ticket_id")
        )
        for message_id in message_ids:
            if message_id in known:
                return known[message_id]
    tokens = [token for token in map(token_from_address, parsed.recipient_addresses) if token]
    if tokens:
        ticket_id = Ticket.objects.filter(token__in=tokens).values_list("pk", flat=True).first()
        if ticket_id is not None:
            return ticket_id
    match = _SUBJECT_REFERENCE.search(parsed.subject)
    if match:
        return Ticket.objects.filter(pk=int(match.group(1))).values_list("pk", flat=True).first()
    return None


def message_known(*, message_id: str) -> Message | None:
    """The stored message with this Message-ID, or the message behind our own staff notice with it."""
    message = Message.objects.select_related("ticket").filter(message_id=message_id).first()
    if message is not None:
        return message
    notification = (
        Notification.objects.select_related("source_message__ticket").filter(message_id=message_id).first()
    )
    return notification.source_message if notification is not None else None


def ticket_thread_id_list(*, ticket: Ticket) -> list[str]:
    """Message-IDs of the mail in a ticket's thread, oldest first (for References)."""
    return list(
        ticket.messages.exclude(direction=Message.Direction.NOTE)
        .exclude(message_id=None)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )


def ticket_get_for_staff(*, ticket_id: int) -> Ticket | None:
    """A ticket with everything its admin page shows: thread, attachments, order, history."""
    return (
        Ticket.objects.select_related("customer", "assignee", "order")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").prefetch_related(
                    Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
                ),
            ),
            "events__actor",
        )
        .filter(pk=ticket_id)
        .first()
    )


def ticket_list_for_staff() -> QuerySet[Ticket]:
    """Tickets for the admin list, with the held-mail count each row shows."""
    return Ticket.objects.select_related("assignee").annotate(
        held_count=Count("messages", filter=Q(messages__is_held=True))
    )
