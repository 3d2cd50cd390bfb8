"""A customer's rights over their data (PIPL, GDPR): a copy of it, and deleting the account.

Deleting keeps the orders for the books (numbers, lines, totals, dates) with every personal
field replaced, makes the support tickets anonymous, and removes the account itself.
"""

import logging
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import BackInStockRequest
from orders.models import Order, OutboundEmail
from orders.selectors import order_list_for_customer
from shop.exceptions import ShopError
from shop.models import User
from support.models import Message, Ticket

logger = logging.getLogger("shop.auth")

EXPORT_FORMAT_VERSION = 1
# What anonymised orders and tickets show instead of a name. Data, not interface text: the
# books read the same in every language.
ANONYMISED_NAME = "Deleted customer"
OPEN_ORDER_STATUSES = frozenset(
    {Order.Status.PENDING_PAYMENT, Order.Status.AWAITING_SHIPMENT, Order.Status.SHIPPED}
)
ACCOUNT_FIELDS = (
    "email",
    "full_name",
    "phone",
    "date_joined",
    "last_login",
    "email_verified_at",
)
ADDRESS_FIELDS = ("country", "province", "city", "postal_code", "address_line1", "address_line2")
ORDER_FIELDS = (
    "number",
    "created_at",
    "email",
    "full_name",
    "phone",
    *ADDRESS_FIELDS,
    "note",
    "shipping_method_name",
    "payment_method",
    "payment_status",
    "fulfilment_status",
    "cancelled_at",
    "carrier",
    "tracking_number",
    "subtotal",
    "shipping_total",
    "grand_total",
    "language",
)
LINE_FIELDS = ("product_name", "sku", "options_label", "unit_price", "quantity", "line_total")


class AccountHasOpenOrders(ShopError):
    """The account has orders still on their way; deleting it would lose where they go."""

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = numbers


class StaffAccountNotDeletable(ShopError):
    """Staff accounts are removed by a superuser in the admin, not from the account page."""


# Selectors ---------------------------------------------------------------------------------------


def ticket_list_for_customer(*, user: User) -> QuerySet[Ticket]:
    """Tickets of this customer: linked to the account, or opened from its address once verified.

    As with guest orders, tickets opened from the address only count after the account
    proved it reads mail there, so signing up with someone's address reveals nothing.
    """
    mine = Q(customer=user)
    if user.email_verified_at is not None:
        mine |= Q(customer__isnull=True, customer_email__iexact=user.email)
    return Ticket.objects.filter(mine).select_related("order").order_by("created_at", "id")


def order_list_open(*, orders: QuerySet[Order]) -> list[str]:
    """Numbers of the orders that are not finished (awaiting payment or shipment, or on their way)."""
    return [order.number for order in orders if order.display_status in OPEN_ORDER_STATUSES]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in names}


def _customer_messages(ticket: Ticket, addresses: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "sent_at": _value(message.created_at),
            "from_email": message.from_email,
            "subject": message.subject,
            "text": message.body_text,
            "attachments": [attachment.filename for attachment in message.attachments.all()],
        }
        for message in ticket.messages.all()
        if message.direction == Message.Direction.INBOUND and message.from_email.lower() in addresses
    ]


def privacy_export(*, user: User) -> dict[str, Any]:
    """Everything the shop keeps about this customer, as JSON-ready data.

    Account fields, the saved address, orders with their lines (those the account page
    shows), support tickets with the messages the customer sent, and back-in-stock requests.
    Nothing about anyone else: CC'd people's messages and staff replies are left out.
    """
    addresses = {user.email.lower()} | {
        ticket.customer_email.lower() for ticket in ticket_list_for_customer(user=user)
    }
    orders = order_list_for_customer(user=user).order_by("created_at", "id")
    tickets = ticket_list_for_customer(user=user).prefetch_related("messages__attachments")
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _value(timezone.now()),
        "shop": settings.SHOP_NAME,
        "account": _fields(user, ACCOUNT_FIELDS),
        "addresses": [_fields(user, ADDRESS_FIELDS)] if user.has_default_address else [],
        "orders": [
            {
                **_fields(order, ORDER_FIELDS),
                "status": str(order.display_status),
                "lines": [_fields(line, LINE_FIELDS) for line in order.lines.all()],
            }
            for order in orders
        ],
        "support_tickets": [
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "status": ticket.status,
                "created_at": _value(ticket.created_at),
                "customer_email": ticket.customer_email,
                "customer_name": ticket.customer_name,
                "order_number": ticket.order.number if ticket.order else "",
                "messages": _customer_messages(ticket, addresses),
            }
            for ticket in tickets
        ],
        "back_in_stock_requests": [
            {
                "sku": request.variant.sku,
                "product": request.variant.product.name,
                "status": request.status,
                "created_at": _value(request.created_at),
            }
            for request in BackInStockRequest.objects.filter(Q(user=user) | Q(email__iexact=user.email))
            .select_related("variant__product")
            .order_by("created_at", "id")
        ],
    }


# Services ----------------------------------------------------------------------------------------


def _orders_anonymise(order_ids: list[int]) -> None:
    # Rows locked in id order, as every order service locks them (S2).
    list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk"))
    Order.objects.filter(pk__in=order_ids).update(
        user=None,
        email="",
        full_name=ANONYMISED_NAME,
        phone="",
        province="",
        city="",
        postal_code="",
        address_line1="",
        address_line2="",
        note="",
        updated_at=timezone.now(),
    )
    OutboundEmail.objects.filter(order_id__in=order_ids).update(to_email="")


def _tickets_anonymise(tickets: list[Ticket], addresses: set[str]) -> None:
    ticket_ids = [ticket.pk for ticket in tickets]
    Ticket.objects.filter(pk__in=ticket_ids).update(
        customer=None, customer_email="", customer_name=ANONYMISED_NAME, cc_emails=[]
    )
    customer_mail = Q(ticket_id__in=ticket_ids, direction=Message.Direction.INBOUND)
    address_match = Q()
    for address in addresses:
        address_match |= Q(from_email__iexact=address)
    Message.objects.filter(customer_mail & address_match).update(from_email="", from_name="", raw_headers="")
    # Replies went to the customer's address.
    for message in Message.objects.filter(ticket_id__in=ticket_ids).exclude(to_emails=[]):
        kept = [to for to in message.to_emails if to.lower() not in addresses]
        if kept != message.to_emails:
            Message.objects.filter(pk=message.pk).update(to_emails=kept, raw_headers="")


@transaction.atomic(durable=True)
def account_delete(*, user: User) -> None:
    """Delete a customer's account and anonymise what the shop must keep.

    Orders (those the account page lists) keep their number, lines, totals and states; their
    name, email, phone, address and note are replaced. The customer's support tickets lose
    the address and name; messages they sent lose the sender. Back-in-stock requests and
    sign-in throttling records for the address are deleted, then the user row (its sessions
    stop working: they point at an account that no longer exists; the caller logs the
    current one out). Locks the user row first.

    Raises StaffAccountNotDeletable for staff, AccountHasOpenOrders while an order is still
    awaiting payment or shipment or on its way; nothing changes then.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_superuser:
        raise StaffAccountNotDeletable()
    orders = order_list_for_customer(user=user)
    open_numbers = order_list_open(orders=orders)
    if open_numbers:
        raise AccountHasOpenOrders(open_numbers)
    tickets = list(ticket_list_for_customer(user=user))
    addresses = {user.email.lower()} | {ticket.customer_email.lower() for ticket in tickets}
    _orders_anonymise([order.pk for order in orders])
    _tickets_anonymise(tickets, addresses)
    BackInStockRequest.objects.filter(Q(user=user) | Q(email__iexact=user.email)).delete()
    AccessAttempt.objects.filter(username=user.email.lower()).delete()
    user_id = user.pk
    user.delete()
    transaction.on_commit(
        partial(logger.info, "account deleted", extra={"event": "auth.account_deleted", "user_id": user_id})
    )
