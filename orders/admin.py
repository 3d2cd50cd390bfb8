"""The orders admin: orders read-only, changed only through orders/services.py (L6)."""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.admin_forms import OrderShipForm, OrderShipFormSet, OrderTransitionForm
from orders.admin_views import (
    REFUND_PERMISSION,
    TRANSITIONS,
    order_csv_response,
    order_export_view,
    order_invoice_view,
    order_packing_slip_view,
    order_ship_view,
    order_transition_view,
)
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OrderLine, OutboundEmail, ShippingMethod
from orders.payments import payment_provider_list
from orders.selectors import OrderAction, order_action_list, order_carrier_list, order_status_filter
from orders.services import order_ship
from payments.admin import ORDER_VIEW_PERMISSIONS, PaymentInline
from shop.admin_readonly import ReadOnlyInline, ReadOnlyModelAdmin
from shop.money import format_money


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price", "free_above", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "id"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyModelAdmin):
    """Read-only: staff see which order emails were sent, are retrying or failed, and why."""

    list_display = ["created_at", "kind", "to_email", "order", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "order__number", "subject"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"


# Orders

# Labels of the states an OrderEvent records (payment, fulfilment and display statuses).
STATE_LABELS = {
    **dict(Order.PaymentStatus.choices),
    **dict(Order.FulfilmentStatus.choices),
    **dict(Order.Status.choices),
}


def _state_label(code: str) -> str:
    return str(STATE_LABELS.get(code, code)) if code else "—"


def _may_see_orders(request: HttpRequest) -> bool:
    return any(request.user.has_perm(permission) for permission in ORDER_VIEW_PERMISSIONS)


class OrderStatusFilter(admin.SimpleListFilter):
    """The status a shopper reads, computed by the database from payment and fulfilment."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Order.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Order.Status.values:
            return queryset.filter(order_status_filter(status=self.value()))
        return queryset


class ToShipFilter(admin.SimpleListFilter):
    """Orders waiting to be shipped: paid or cash on delivery, unfulfilled, not cancelled."""

    title = _("waiting to be shipped")
    parameter_name = "to_ship"

    def lookups(self, request, model_admin):
        return [("1", _("To ship"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(order_status_filter(status=Order.Status.AWAITING_SHIPMENT))
        return queryset


class CancelledFilter(admin.SimpleListFilter):
    title = _("cancelled")
    parameter_name = "cancelled"

    def lookups(self, request, model_admin):
        return [("yes", _("Cancelled")), ("no", _("Not cancelled"))]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(cancelled_at__isnull=False)
            case "no":
                return queryset.filter(cancelled_at__isnull=True)
        return queryset


class PaymentMethodFilter(admin.SimpleListFilter):
    title = _("payment method")
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return [(provider.code, provider.name) for provider in payment_provider_list()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(payment_method=self.value())
        return queryset


class _ReadOnlyInline(ReadOnlyInline):
    """An inline that shows snapshot rows to whoever may see the order, and never edits them."""

    view_permissions = ORDER_VIEW_PERMISSIONS


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    verbose_name_plural = _("items")
    fields = ["product_name", "sku", "options_label", "unit_price_display", "quantity", "line_total_display"]

    @admin.display(description=_("unit price"))
    def unit_price_display(self, line: OrderLine) -> str:
        return format_money(line.unit_price)

    @admin.display(description=_("line total"))
    def line_total_display(self, line: OrderLine) -> str:
        return format_money(line.line_total)


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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are read-only here: every change is a button or action calling orders/services.py."""

    list_display = ["number", "status_badge", "created_at", "customer", "total", "payment_method_display"]
    list_display_links = ["number"]
    list_filter = [
        OrderStatusFilter,
        ToShipFilter,
        "payment_status",
        "fulfilment_status",
        CancelledFilter,
        PaymentMethodFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "created_at"
    search_fields = ["number", "email", "full_name", "tracking_number"]
    search_help_text = _("Search by order number, email, name or tracking number.")
    ordering = ["-created_at", "-id"]
    inlines = [OrderLineInline, PaymentInline, OrderEventInline]
    actions = [
        "mark_paid_selected",
        "ship_selected",
        "mark_delivered_selected",
        "cancel_selected",
        "refund_selected",
        "export_csv_selected",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["number", "created_at", "status_badge", "user", "language_display", "customer_page"]},
        ),
        (_("Customer"), {"fields": ["full_name", "email", "phone"]}),
        (_("Shipping address"), {"fields": ["address_display"]}),
        (
            _("Payment"),
            {
                "fields": [
                    "payment_method_display",
                    "payment_status",
                    "subtotal_display",
                    "shipping_total_display",
                    "grand_total_display",
                ]
            },
        ),
        (
            _("Fulfilment"),
            {
                "fields": [
                    "fulfilment_status",
                    "shipping_method_name",
                    "carrier",
                    "tracking_number",
                    "cancelled_at",
                ]
            },
        ),
        (_("Customer's note"), {"fields": ["note"]}),
    ]

    class Media:
        css = {"all": ["css/orders_admin.css"]}

    # Read-only: the order is a record; services change it (no add, no delete, no form save).

    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_refund_permission(self, request) -> bool:
        """Mark paid, cancel and refund move money: change permission plus orders.refund_order."""
        return self.has_change_permission(request) and request.user.has_perm(REFUND_PERMISSION)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        extra_context = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            actions = order_action_list(order=obj)
            context["order_buttons"] = [
                {"key": key, "transition": TRANSITIONS[key]}
                for key in actions
                if key in TRANSITIONS and TRANSITIONS[key].allowed_for(request.user)
            ]
            if OrderAction.SHIP in actions:
                context["ship_form"] = OrderShipForm()
                context["carriers"] = order_carrier_list()
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Columns and read-only fields

    @admin.display(description=_("customer"), ordering="full_name")
    def customer(self, order: Order) -> str:
        return format_html('{}<br><span class="order-email">{}</span>', order.full_name, order.email)

    @admin.display(description=_("total"), ordering="grand_total")
    def total(self, order: Order) -> str:
        return format_money(order.grand_total)

    @admin.display(description=_("payment method"), ordering="payment_method")
    def payment_method_display(self, order: Order) -> str:
        return order.payment_method_name

    @admin.display(description=_("status"))
    def status_badge(self, order: Order) -> str:
        status = order.display_status
        return format_html('<span class="order-badge order-badge-{}">{}</span>', status.value, status.label)

    @admin.display(description=_("language"))
    def language_display(self, order: Order) -> str:
        return str(dict(settings.LANGUAGES).get(order.language, order.language))

    @admin.display(description=_("customer's view"))
    def customer_page(self, order: Order) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            order.get_access_url(),
            gettext("Open the order page the customer sees"),
        )

    @admin.display(description=_("address"))
    def address_display(self, order: Order) -> str:
        lines = [
            order.full_name,
            order.address_line1,
            order.address_line2,
            " ".join(part for part in [order.postal_code, order.city, order.province] if part),
            order.get_country_display(),
            order.phone,
        ]
        return format_html_join("", "{}<br>", ((line,) for line in lines if line))

    @admin.display(description=_("subtotal"))
    def subtotal_display(self, order: Order) -> str:
        return format_money(order.subtotal)

    @admin.display(description=_("shipping"))
    def shipping_total_display(self, order: Order) -> str:
        return format_money(order.shipping_total)

    @admin.display(description=_("total"))
    def grand_total_display(self, order: Order) -> str:
        return format_money(order.grand_total)

    # Custom views (orders/admin_views.py)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        custom = [
            path("export/", wrap(self.export_view), name="{}_{}_export".format(*info)),
            path("<path:object_id>/ship/", wrap(self.ship_view), name="{}_{}_ship".format(*info)),
            path(
                "<path:object_id>/do/<slug:action>/",
                wrap(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/packing-slip/",
                wrap(self.packing_slip_view),
                name="{}_{}_packing_slip".format(*info),
            ),
            path("<path:object_id>/invoice/", wrap(self.invoice_view), name="{}_{}_invoice".format(*info)),
        ]
        return custom + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        return order_export_view(request, model_admin=self)

    def ship_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_ship_view(request, model_admin=self, object_id=object_id)

    def transition_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        return order_transition_view(request, model_admin=self, object_id=object_id, action=action)

    def packing_slip_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_packing_slip_view(request, model_admin=self, object_id=object_id)

    def invoice_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_invoice_view(request, model_admin=self, object_id=object_id)

    # List actions: each order goes through its service on its own; refusals are listed.

    def _apply_each(self, request: HttpRequest, queryset: QuerySet[Order], key: str, note: str = "") -> None:
        service = TRANSITIONS[key].service
        done: list[str] = []
        for order in queryset.order_by("pk"):
            try:
                service(order=order, actor=request.user, note=note)
            except InvalidTransition as error:
                self.message_user(request, f"{order.number}: {error}", messages.ERROR)
            else:
                done.append(order.number)
        if done:
            self.message_user(request, self._done_message(key, done), messages.SUCCESS)

    @staticmethod
    def _done_message(key: str, numbers: list[str]) -> str:
        count = len(numbers)
        templates = {
            OrderAction.MARK_PAID: ngettext(
                "%(count)d order marked as paid: %(numbers)s.",
                "%(count)d orders marked as paid: %(numbers)s.",
                count,
            ),
            OrderAction.MARK_DELIVERED: ngettext(
                "%(count)d order marked as delivered: %(numbers)s.",
                "%(count)d orders marked as delivered: %(numbers)s.",
                count,
            ),
            OrderAction.CANCEL: ngettext(
                "%(count)d order cancelled and restocked: %(numbers)s.",
                "%(count)d orders cancelled and restocked: %(numbers)s.",
                count,
            ),
            OrderAction.REFUND: ngettext(
                "%(count)d order marked as refunded: %(numbers)s.",
                "%(count)d orders marked as refunded: %(numbers)s.",
                count,
            ),
            OrderAction.SHIP: ngettext(
                "%(count)d order shipped: %(numbers)s.",
                "%(count)d orders shipped: %(numbers)s.",
                count,
            ),
        }
        return templates[key] % {"count": count, "numbers": ", ".join(numbers)}

    def _selection_page(self, request: HttpRequest, template: str, title: str, **context) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            **context,
        }
        return TemplateResponse(request, f"admin/orders/order/{template}", context)

    def _confirm_then_apply(self, request: HttpRequest, queryset: QuerySet[Order], key: str, action: str):
        form = OrderTransitionForm(request.POST if request.POST.get("confirmed") == "yes" else None)
        if form.is_valid():
            self._apply_each(request, queryset, key, note=form.cleaned_data["note"])
            return None
        transition = TRANSITIONS[key]
        return self._selection_page(
            request,
            "confirm_selected.html",
            str(transition.label),
            orders=list(queryset.order_by("pk")),
            form=form,
            action=action,
            transition=transition,
        )

    @admin.action(
        description=pgettext_lazy("admin action", "Mark selected orders as paid"),
        permissions=["refund"],
    )
    def mark_paid_selected(self, request, queryset):
        self._apply_each(request, queryset, OrderAction.MARK_PAID)

    @admin.action(
        description=pgettext_lazy("admin action", "Mark selected orders as delivered"), permissions=["change"]
    )
    def mark_delivered_selected(self, request, queryset):
        self._apply_each(request, queryset, OrderAction.MARK_DELIVERED)

    @admin.action(
        description=pgettext_lazy("admin action", "Cancel selected orders…"),
        permissions=["refund"],
    )
    def cancel_selected(self, request, queryset):
        return self._confirm_then_apply(request, queryset, OrderAction.CANCEL, "cancel_selected")

    @admin.action(
        description=pgettext_lazy("admin action", "Refund selected orders…"),
        permissions=["refund"],
    )
    def refund_selected(self, request, queryset):
        return self._confirm_then_apply(request, queryset, OrderAction.REFUND, "refund_selected")

    @admin.action(description=pgettext_lazy("admin action", "Ship selected orders…"), permissions=["change"])
    def ship_selected(self, request, queryset):
        selected = list(queryset.order_by("pk"))
        shippable = [order for order in selected if OrderAction.SHIP in order_action_list(order=order)]
        if not shippable:
            self.message_user(
                request, gettext("None of the selected orders can be shipped now."), messages.ERROR
            )
            return None
        orders = Order.objects.filter(pk__in=[order.pk for order in shippable])
        if request.POST.get("confirmed") == "yes":
            formset = OrderShipFormSet(request.POST, prefix="ship", orders=orders)
            if formset.is_valid():
                self._ship_each(request, formset.shipments())
                return None
        else:
            initial = [{"order": order.pk} for order in shippable]
            formset = OrderShipFormSet(initial=initial, prefix="ship", orders=orders)
        rows = list(zip(formset.forms, shippable, strict=True))
        skipped = [order for order in selected if order not in shippable]
        return self._selection_page(
            request,
            "ship_selected.html",
            gettext("Ship orders"),
            formset=formset,
            rows=rows,
            skipped=skipped,
            orders=selected,
            carriers=order_carrier_list(),
            action="ship_selected",
        )

    def _ship_each(self, request: HttpRequest, shipments: list[tuple[Order, str, str]]) -> None:
        done: list[str] = []
        for order, carrier, tracking_number in shipments:
            try:
                order_ship(order=order, carrier=carrier, tracking_number=tracking_number, actor=request.user)
            except InvalidTransition as error:
                self.message_user(request, f"{order.number}: {error}", messages.ERROR)
            else:
                done.append(order.number)
        if done:
            self.message_user(request, self._done_message(OrderAction.SHIP, done), messages.SUCCESS)

    @admin.action(
        description=pgettext_lazy("admin action", "Export selected orders to CSV"), permissions=["view"]
    )
    def export_csv_selected(self, request, queryset):
        return order_csv_response(queryset.order_by("-created_at", "-id"))
