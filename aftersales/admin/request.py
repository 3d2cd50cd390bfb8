"""The after-sales queue and the request page, read-only: every change is a step (admin/views.py)."""

from django.contrib import admin
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from aftersales.admin.filters import AgeFilter, StatusFilter
from aftersales.admin.views import (
    after_sales_photo_view,
    after_sales_report_view,
    after_sales_step_view,
    step_list,
)
from aftersales.models import AfterSalesEvent, AfterSalesLine, AfterSalesPhoto, AfterSalesRequest
from orders.admin.inlines import ORDER_VIEW_PERMISSIONS
from orders.admin.order import order_admin_inline_add
from shop.admin_readonly import ReadOnlyInline
from shop.money import format_money

REQUEST_VIEW_PERMISSIONS = ("aftersales.view_aftersalesrequest", "aftersales.change_aftersalesrequest")


def status_badge_html(request: AfterSalesRequest) -> str:
    return format_html(
        '<span class="status-badge after-sales-badge-{}">{}</span>',
        request.status,
        request.get_status_display(),
    )


def request_link(request: AfterSalesRequest) -> str:
    url = reverse("admin:aftersales_aftersalesrequest_change", args=[request.pk])
    return format_html('<a href="{}">{}</a>', url, request.number)


class AfterSalesLineInline(ReadOnlyInline):
    model = AfterSalesLine
    view_permissions = REQUEST_VIEW_PERMISSIONS
    verbose_name_plural = _("items asked about")
    fields = [
        "product",
        "sku",
        "options",
        "quantity",
        "exchange_option",
        "restocked_quantity",
        "refund_amount_display",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line", "exchange_variant")

    @admin.display(description=_("product"))
    def product(self, line: AfterSalesLine) -> str:
        return line.order_line.product_name

    @admin.display(description=_("SKU"))
    def sku(self, line: AfterSalesLine) -> str:
        return line.order_line.sku

    @admin.display(description=_("options"))
    def options(self, line: AfterSalesLine) -> str:
        return line.order_line.options_label or "—"

    @admin.display(description=_("exchange for"))
    def exchange_option(self, line: AfterSalesLine) -> str:
        variant = line.exchange_variant
        if variant is None:
            return "—"
        return (
            f"{variant.sku} {variant.options_label}".strip()
            if hasattr(variant, "options_label")
            else variant.sku
        )

    @admin.display(description=_("refund amount"))
    def refund_amount_display(self, line: AfterSalesLine) -> str:
        return format_money(line.refund_amount) if line.refund_amount else "—"


class AfterSalesPhotoInline(ReadOnlyInline):
    model = AfterSalesPhoto
    view_permissions = REQUEST_VIEW_PERMISSIONS
    verbose_name_plural = _("customer's photos")
    fields = ["photo_link", "content_type", "size", "created_at"]

    @admin.display(description=_("file"))
    def photo_link(self, photo: AfterSalesPhoto) -> str:
        url = reverse("admin:aftersales_aftersalesrequest_photo", args=[photo.request_id, photo.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, photo.filename)


class AfterSalesEventInline(ReadOnlyInline):
    model = AfterSalesEvent
    view_permissions = REQUEST_VIEW_PERMISSIONS
    verbose_name_plural = _("history")
    fields = ["created_at", "from_label", "to_label", "actor", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("from"))
    def from_label(self, event: AfterSalesEvent) -> str:
        return _status_label(event.from_status)

    @admin.display(description=_("to"))
    def to_label(self, event: AfterSalesEvent) -> str:
        return _status_label(event.to_status)


def _status_label(code: str) -> str:
    if code in AfterSalesRequest.Status.values:
        return str(AfterSalesRequest.Status(code).label)
    return code or "—"


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(admin.ModelAdmin):
    """The staff queue of requests; a request page shows all the customer sent and offers the steps."""

    # Fits 1280 px beside the navigation and the filters: the time rides under the number, the
    # email under the order (cut with an ellipsis, whole in its title).
    list_display = ["number_requested", "order_customer", "kind", "reason", "status_badge", "units", "age"]
    list_display_links = ["number_requested"]
    list_filter = [StatusFilter, "kind", "reason", AgeFilter]
    list_select_related = ["order"]
    search_fields = ["number", "order__number", "order__email"]
    search_help_text = _("Search by request number, order number or email.")
    ordering = ["-created_at", "-id"]
    inlines = [AfterSalesLineInline, AfterSalesPhotoInline, AfterSalesEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "status_badge",
                    "order_link",
                    "customer_email",
                    "created_at",
                    "ticket_link",
                ]
            },
        ),
        (_("What the customer asks"), {"fields": ["kind", "reason", "description"]}),
        (
            _("Return"),
            {
                "fields": [
                    "return_address",
                    "return_instructions",
                    "return_carrier",
                    "return_tracking_number",
                    "goods_received_at",
                ]
            },
        ),
        (_("Refund"), {"fields": ["refund_amount_display", "refund_shipping_display", "refund_reference"]}),
        (_("Exchange"), {"fields": ["exchange_carrier", "exchange_tracking_number"]}),
        (_("Outcome"), {"fields": ["rejection_reason", "closed_at"]}),
    ]
    change_form_template = "admin/aftersales/aftersalesrequest/change_form.html"
    change_list_template = "admin/aftersales/aftersalesrequest/change_list.html"

    class Media:
        css = {"all": ["css/orders_admin.css", "css/aftersales_admin.css"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(unit_count=Sum("lines__quantity"))

    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Read-only: state changes are the steps' forms, never a saved model form.
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
        if obj is not None:
            # Each step checks its own permissions (a support agent may open a ticket).
            context["steps"] = step_list(request=obj, user=request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Columns and read-only fields

    @admin.display(description=_("request number"), ordering="created_at")
    def number_requested(self, request: AfterSalesRequest) -> str:
        requested = date_format(timezone.localtime(request.created_at), "SHORT_DATETIME_FORMAT")
        return format_html('{}<span class="order-placed">{}</span>', request.number, requested)

    @admin.display(description=_("order"), ordering="order__number")
    def order_customer(self, request: AfterSalesRequest) -> str:
        url = reverse("admin:orders_order_change", args=[request.order_id])
        email = request.order.email
        return format_html(
            '<a href="{}">{}</a><span class="order-email" title="{}">{}</span>',
            url,
            request.order.number,
            email,
            email,
        )

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, request: AfterSalesRequest) -> str:
        url = reverse("admin:orders_order_change", args=[request.order_id])
        return format_html('<a href="{}">{}</a>', url, request.order.number)

    @admin.display(description=_("email"), ordering="order__email")
    def customer_email(self, request: AfterSalesRequest) -> str:
        return request.order.email

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, request: AfterSalesRequest) -> str:
        return status_badge_html(request)

    @admin.display(description=_("units"), ordering="unit_count")
    def units(self, request: AfterSalesRequest) -> int:
        return request.unit_count or 0

    @admin.display(description=_("waiting"), ordering="created_at")
    def age(self, request: AfterSalesRequest) -> str:
        if request.is_final:
            return "—"
        days = (timezone.now() - request.created_at).days
        if days < 1:
            return gettext("today")
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}

    @admin.display(description=_("support ticket"))
    def ticket_link(self, request: AfterSalesRequest) -> str:
        if request.ticket_id is None:
            return "—"
        url = reverse("admin:support_ticket_change", args=[request.ticket_id])
        return format_html('<a href="{}">{}</a>', url, request.ticket.reference)

    @admin.display(description=_("refund amount"))
    def refund_amount_display(self, request: AfterSalesRequest) -> str:
        return format_money(request.refund_amount) if request.refund_amount else "—"

    @admin.display(description=_("shipping refunded"))
    def refund_shipping_display(self, request: AfterSalesRequest) -> str:
        return format_money(request.refund_shipping) if request.refund_shipping else "—"

    # Custom views (aftersales/admin/views.py)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        custom = [
            path("report/", wrap(self.report_view), name="{}_{}_report".format(*info)),
            path("<path:object_id>/do/<slug:step>/", wrap(self.step_view), name="{}_{}_step".format(*info)),
            path(
                "<path:object_id>/photos/<int:photo_id>/",
                wrap(self.photo_view),
                name="{}_{}_photo".format(*info),
            ),
        ]
        return custom + super().get_urls()

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        return after_sales_step_view(request, model_admin=self, object_id=object_id, step_key=step)

    def photo_view(self, request: HttpRequest, object_id: str, photo_id: int) -> HttpResponse:
        return after_sales_photo_view(request, model_admin=self, object_id=object_id, photo_id=photo_id)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        return after_sales_report_view(request, model_admin=self)


class OrderAfterSalesInline(ReadOnlyInline):
    """The order's after-sales requests, on the order page, each linking to its request page."""

    model = AfterSalesRequest
    view_permissions = ORDER_VIEW_PERMISSIONS
    verbose_name_plural = _("after-sales requests")
    fields = ["request_link", "kind", "reason", "status_badge", "created_at"]

    @admin.display(description=_("request number"))
    def request_link(self, request: AfterSalesRequest) -> str:
        return request_link(request)

    @admin.display(description=_("status"))
    def status_badge(self, request: AfterSalesRequest) -> str:
        return status_badge_html(request)


order_admin_inline_add(OrderAfterSalesInline)
