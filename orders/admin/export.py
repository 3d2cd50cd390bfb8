"""CSV export of the orders admin: the order list, as the changelist shows it or as selected.

The view is wrapped by ``admin_site.admin_view`` (staff only; others get the admin login) and
needs ``orders.view_order``; every download is recorded in the audit trail.
"""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from orders.models import Order, OrderDiscount
from shop.audit import audit_record
from shop.csv_export import csv_lines
from shop.models import AuditEvent

CSV_BATCH_SIZE = 500


def _csv_header() -> list[str]:
    return [
        gettext("Order number"),
        gettext("Placed at"),
        gettext("Status"),
        gettext("Payment status"),
        gettext("Fulfilment status"),
        gettext("Payment method"),
        gettext("Customer"),
        gettext("Email"),
        gettext("Phone"),
        gettext("Country or region"),
        gettext("Province / state"),
        gettext("City"),
        gettext("District"),
        gettext("Postal code"),
        gettext("Address"),
        gettext("Address line 2"),
        gettext("Shipping method"),
        gettext("Carrier"),
        gettext("Tracking number"),
        gettext("Items"),
        gettext("Subtotal"),
        gettext("Discount"),
        gettext("Shipping"),
        gettext("Shipping discount"),
        gettext("Total"),
        gettext("Currency"),
        gettext("Discounts"),
    ]


def _csv_row(order: Order) -> list[object]:
    placed_at = timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")
    items = "; ".join(f"{line.sku} {line.product_name} x{line.quantity}" for line in order.lines.all())
    return [
        order.number,
        placed_at,
        order.display_status.label,
        order.get_payment_status_display(),
        order.get_fulfilment_status_display(),
        order.payment_method_name,
        order.full_name,
        order.email,
        order.phone,
        order.get_country_display(),
        order.province,
        order.city,
        order.district,
        order.postal_code,
        order.address_line1,
        order.address_line2,
        order.shipping_method_name,
        order.carrier,
        order.tracking_number,
        items,
        order.subtotal,
        order.discount_total,
        order.shipping_total,
        order.shipping_discount,
        order.grand_total,
        settings.SHOP_CURRENCY,
        # Each as "label: off the goods" (plus "+ shipping" for a free-shipping coupon), amounts unsigned.
        "; ".join(_csv_discount(discount) for discount in order.discounts.all()),
    ]


def _csv_discount(discount: OrderDiscount) -> str:
    text = f"{discount.title}: {discount.amount}"
    if discount.shipping_amount:
        text += " + " + gettext("shipping %(amount)s") % {"amount": discount.shipping_amount}
    return text


def _csv_lines(orders: Iterable[Order]) -> Iterator[str]:
    return csv_lines(_csv_header(), (_csv_row(order) for order in orders))


def order_csv_response(orders: QuerySet[Order], *, request: HttpRequest) -> StreamingHttpResponse:
    """Stream these orders as a UTF-8 CSV file (with BOM), in batches, lines prefetched per batch.

    The download is recorded in the audit trail: who, from where, how many orders.
    """
    audit_record(
        action=AuditEvent.Action.EXPORT_DOWNLOADED,
        request=request,
        target="orders",
        detail={"orders": orders.count(), "filters": request.GET.urlencode()[:200]},
    )
    rows = orders.prefetch_related("lines", "discounts").iterator(chunk_size=CSV_BATCH_SIZE)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = timezone.localtime().strftime("orders-%Y%m%d-%H%M.csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def order_export_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    """Export the order list as the changelist shows it (filters, search, date, order) to CSV."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        model_admin.message_user(
            request, gettext("These filters are not valid; the list shows every order."), messages.ERROR
        )
        return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
    return order_csv_response(changelist.queryset, request=request)
