"""Inlines of the order page: line snapshots, parcels and the event history, shown and never edited."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderDiscount, OrderEvent, OrderLine, Shipment, ShipmentLine
from shop.admin_readonly import ReadOnlyInline
from shop.money import format_money


def money_off(amount) -> str:
    """An amount taken off, as staff read it on the order page: a minus sign, then the amount."""
    return "\N{MINUS SIGN}" + format_money(amount)


# Whoever may see an order sees its inlines (those other apps add to the order page too).
ORDER_VIEW_PERMISSIONS = ("orders.view_order", "orders.change_order")

# Labels of the states an OrderEvent records (payment, fulfilment and display statuses).
STATE_LABELS = {
    **dict(Order.PaymentStatus.choices),
    **dict(Order.FulfilmentStatus.choices),
    **dict(Order.Status.choices),
}


def _state_label(code: str) -> str:
    return str(STATE_LABELS.get(code, code)) if code else "—"


class _ReadOnlyInline(ReadOnlyInline):
    """An inline that shows snapshot rows to whoever may see the order, and never edits them."""

    view_permissions = ORDER_VIEW_PERMISSIONS


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    verbose_name_plural = _("items")
    fields = [
        "product_name",
        "sku",
        "options_label",
        "unit_price_display",
        "quantity",
        "line_total_display",
        "discount_display",
        "paid_display",
    ]

    @admin.display(description=_("unit price"))
    def unit_price_display(self, line: OrderLine) -> str:
        if line.regular_unit_price is None:
            return format_money(line.unit_price)
        was = gettext("was %(price)s") % {"price": format_money(line.regular_unit_price)}
        return f"{format_money(line.unit_price)} ({was})"

    @admin.display(description=_("line total"))
    def line_total_display(self, line: OrderLine) -> str:
        return format_money(line.line_total)

    @admin.display(description=_("discount"))
    def discount_display(self, line: OrderLine) -> str:
        return money_off(line.discount_total) if line.discount_total else "—"

    # What a refund of this line sends back at most.
    @admin.display(description=_("paid for the line"))
    def paid_display(self, line: OrderLine) -> str:
        return format_money(line.paid_total)


class OrderDiscountInline(_ReadOnlyInline):
    model = OrderDiscount
    verbose_name_plural = _("discounts")
    fields = ["title_display", "source", "amount_display", "shipping_amount_display", "use_returned_at"]

    @admin.display(description=_("discount"))
    def title_display(self, discount: OrderDiscount) -> str:
        return discount.title

    @admin.display(description=_("off the goods"))
    def amount_display(self, discount: OrderDiscount) -> str:
        return money_off(discount.amount)

    @admin.display(description=_("off shipping"))
    def shipping_amount_display(self, discount: OrderDiscount) -> str:
        return money_off(discount.shipping_amount) if discount.shipping_amount else "—"


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = _("history")
    fields = ["created_at", "kind", "actor_display", "from_display", "to_display", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_display(self, event: OrderEvent) -> str:
        return str(event.actor) if event.actor is not None else gettext("system or customer")

    @admin.display(description=pgettext_lazy("order state change", "from"))
    def from_display(self, event: OrderEvent) -> str:
        return _state_label(event.from_state)

    @admin.display(description=pgettext_lazy("order state change", "to"))
    def to_display(self, event: OrderEvent) -> str:
        return _state_label(event.to_state)


class ShipmentInline(_ReadOnlyInline):
    """The order's parcels: carrier, tracking number (a link to the carrier's page), contents."""

    model = Shipment
    verbose_name_plural = _("parcels")
    fields = ["shipped_at", "carrier_display", "tracking_display", "contents_display", "created_by"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("carrier", "created_by")
            .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line")))
        )

    @admin.display(description=_("carrier"))
    def carrier_display(self, shipment: Shipment) -> str:
        return shipment.carrier_display_name

    @admin.display(description=_("tracking number"))
    def tracking_display(self, shipment: Shipment) -> str:
        if not shipment.tracking_url:
            return shipment.tracking_number
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            shipment.tracking_url,
            shipment.tracking_number,
        )

    @admin.display(description=_("contents"))
    def contents_display(self, shipment: Shipment) -> str:
        return format_html_join(
            "",
            "{} \N{MULTIPLICATION SIGN} {}<br>",
            ((item.order_line.sku, item.quantity) for item in shipment.lines.all()),
        )
