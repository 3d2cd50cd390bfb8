"""After-sales' part of a customer's data export and account erasure (registered in AfterSalesConfig.ready()).

Erasure keeps the requests for the books (numbers, lines, amounts, states, dates) and removes
what the customer wrote and sent: the description and the photos. A request still under way
blocks the erasure, as an order on its way does. This part runs before the orders' part (it
finds the customer's orders by the account, which the orders' part then anonymises), so
``aftersales`` comes before ``orders`` in INSTALLED_APPS.
"""

from functools import partial
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from aftersales.models import AfterSalesPhoto, AfterSalesRequest
from orders.selectors import order_list_for_customer
from shop.models import User
from shop.privacy import ErasureBlocked, PrivacyPart, privacy_fields

REQUEST_FIELDS = (
    "number",
    "kind",
    "reason",
    "description",
    "status",
    "created_at",
    "return_carrier",
    "return_tracking_number",
    "refund_amount",
    "exchange_carrier",
    "exchange_tracking_number",
    "closed_at",
)


def _requests_of(user: User):
    return AfterSalesRequest.objects.filter(order__in=order_list_for_customer(user=user).values("pk"))


def after_sales_privacy_export(user: User) -> list[dict[str, Any]]:
    """The requests on the customer's orders, with their lines and the names of their photos."""
    requests = _requests_of(user).select_related("order").prefetch_related("lines__order_line", "photos")
    return [
        {
            **privacy_fields(request, REQUEST_FIELDS),
            "order": request.order.number,
            "lines": [
                {
                    "product_name": line.order_line.product_name,
                    "sku": line.order_line.sku,
                    "quantity": line.quantity,
                }
                for line in request.lines.all()
            ],
            "photos": [photo.filename for photo in request.photos.all()],
        }
        for request in requests.order_by("created_at", "id")
    ]


def after_sales_privacy_erase(user: User) -> None:
    """Blank the customer's descriptions and delete their photos; ErasureBlocked while a request is open.

    Locks the customer's orders (ascending id, the lock the orders' part takes next anyway),
    then their requests, as every after-sales step does, and decides on the locked rows: a
    request made meanwhile waited for the order's lock and is among them. The photo files
    are deleted after commit, so a rolled-back erasure keeps them.
    """
    orders = order_list_for_customer(user=user).select_for_update().order_by("pk")
    order_ids = list(orders.values_list("pk", flat=True))
    requests = list(
        AfterSalesRequest.objects.filter(order_id__in=order_ids).select_for_update().order_by("pk")
    )
    open_numbers = [request.number for request in requests if not request.is_final]
    if open_numbers:
        raise ErasureBlocked(open_numbers)
    request_ids = [request.pk for request in requests]
    AfterSalesRequest.objects.filter(pk__in=request_ids).update(description="")
    photos = AfterSalesPhoto.objects.filter(request_id__in=request_ids)
    for name in photos.values_list("file", flat=True):
        transaction.on_commit(partial(default_storage.delete, name))
    photos.delete()


AFTER_SALES_PRIVACY_PART = PrivacyPart(
    key="aftersales", export=after_sales_privacy_export, erase=after_sales_privacy_erase
)
