"""The orders' part of a customer's data export and account erasure (registered in OrdersConfig.ready()).

Erasure keeps the orders for the books (numbers, lines, totals, dates) and replaces every
personal field. A fapiao is a tax record: a company's title and tax number and an issued
fapiao's number and PDF stay; a person's name and the fapiao's email go.
"""

from typing import Any

from django.utils import timezone

from orders.models import FapiaoRequest, Order, OutboundEmail
from orders.selectors import order_list_for_customer
from shop.addresses import ADDRESS_FIELDS
from shop.models import User
from shop.privacy import ANONYMISED_NAME, ErasureBlocked, PrivacyPart, privacy_fields

OPEN_ORDER_STATUSES = frozenset(
    {
        Order.Status.PENDING_PAYMENT,
        Order.Status.AWAITING_SHIPMENT,
        Order.Status.PARTLY_SHIPPED,
        Order.Status.SHIPPED,
    }
)
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
    "discount_total",
    "shipping_total",
    "shipping_discount",
    "grand_total",
    "language",
)
FAPIAO_FIELDS = ("kind", "title", "tax_number", "email", "status", "number", "requested_at", "issued_at")
LINE_FIELDS = (
    "product_name",
    "sku",
    "options_label",
    "unit_price",
    "quantity",
    "line_total",
    "discount_total",
)


def order_privacy_export(user: User) -> list[dict[str, Any]]:
    """The orders the account page lists, with their lines."""
    orders = order_list_for_customer(user=user).order_by("created_at", "id")
    fapiao = {
        request.order_id: privacy_fields(request, FAPIAO_FIELDS)
        for request in FapiaoRequest.objects.filter(order__in=orders)
    }
    return [
        {
            **privacy_fields(order, ORDER_FIELDS),
            "status": str(order.display_status),
            "lines": [privacy_fields(line, LINE_FIELDS) for line in order.lines.all()],
            "fapiao": fapiao.get(order.pk),
        }
        for order in orders
    ]


def order_privacy_erase(user: User) -> None:
    """Replace the name, email, phone, address and note of the orders the account page lists.

    Locks those orders (ascending id, as every order service locks them) and decides on
    the locked rows: raises ErasureBlocked with the numbers of orders still awaiting
    payment or shipment, or on their way, and changes nothing then. A guest order placed
    meanwhile with the address is either among the locked rows or left alone.
    """
    orders = list(order_list_for_customer(user=user).select_for_update().order_by("pk"))
    open_numbers = [order.number for order in orders if order.display_status in OPEN_ORDER_STATUSES]
    if open_numbers:
        raise ErasureBlocked(open_numbers)
    order_ids = [order.pk for order in orders]
    Order.objects.filter(pk__in=order_ids).update(
        user=None,
        email="",
        email_canonical="",
        client_ip_hash="",
        full_name=ANONYMISED_NAME,
        phone="",
        # Every part of the postal address but the country, district and division codes included.
        **{name: "" for name in ADDRESS_FIELDS if name != "country"},
        note="",
        updated_at=timezone.now(),
    )
    OutboundEmail.objects.filter(order_id__in=order_ids).update(to_email="")
    FapiaoRequest.objects.filter(order_id__in=order_ids).update(email="")
    FapiaoRequest.objects.filter(order_id__in=order_ids, kind=FapiaoRequest.Kind.PERSONAL).update(
        title=ANONYMISED_NAME
    )


ORDERS_PRIVACY_PART = PrivacyPart(key="orders", export=order_privacy_export, erase=order_privacy_erase)
