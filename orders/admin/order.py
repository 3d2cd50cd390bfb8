"""The order admin: the order list and the order page, read-only.

Every change is a button (orders/admin/views.py) or a list action
(orders/admin/actions.py) calling orders.services; the admin never saves an
order form, adds or deletes an order.
"""

from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.admin.actions import (
    cancel_selected,
    confirm_selected,
    export_csv_selected,
    mark_delivered_selected,
    mark_paid_selected,
    refund_selected,
    ship_selected,
)
from orders.admin.export import order_export_view
from orders.admin.filters import (
    CancelledFilter,
    OrderStatusFilter,
    PaymentMethodFilter,
    PlacedMonthFilter,
    ToShipFilter,
)
from orders.admin.forms import OrderShipForm
from orders.admin.inlines import (
    OrderDiscountInline,
    OrderEventInline,
    OrderLineInline,
    ShipmentInline,
    money_off,
)
from orders.admin.views import (
    REFUND_PERMISSION,
    TRANSITIONS,
    order_discount_report_view,
    order_invoice_view,
    order_packing_slip_view,
    order_ship_view,
    order_transition_view,
)
from orders.models import Order
from orders.selectors import OrderAction, order_action_list, order_lines_to_ship
from shop.addresses import Country
from shop.admin_lists import LONG_LIST_PER_PAGE, ActionCheckboxMixin, LongListChangeList
from shop.admin_paginator import EstimatedCountPaginator, queryset_count_estimate
from shop.identity import email_canonical
from shop.money import format_money
from shop.phones import phone_display, phone_normalised

# Up to this many estimated matches, a search reads them all from their own indexes and sorts
# them (a few milliseconds); above it, it walks the newest orders until a page is full.
SEARCH_UNITE_LIMIT = 5_000


@admin.register(Order)
class OrderAdmin(ActionCheckboxMixin, admin.ModelAdmin):
    """Orders are read-only here: every change is a button or action calling orders.services."""

    # Fits 1280 px beside the navigation and the filters, in English and Chinese: the date
    # rides under the number, names and addresses are cut with an ellipsis (orders_admin.css).
    list_display = ["number_placed", "status_badge", "customer", "total", "payment_column"]
    list_display_links = ["number_placed"]
    list_filter = [
        OrderStatusFilter,
        ToShipFilter,
        "payment_status",
        "fulfilment_status",
        CancelledFilter,
        PaymentMethodFilter,
        ("created_at", admin.DateFieldListFilter),
        # Instead of a date hierarchy, whose year and month links take DISTINCT over every order.
        PlacedMonthFilter,
    ]
    # get_search_results does the matching; Django needs a field here to show the search box.
    search_fields = ["number"]
    search_help_text = _(
        "Search by an order's exact number, the customer's exact email address or their phone number."
    )
    # Newest first on the placed-at index (a month's orders are a range of it), and counts
    # PostgreSQL estimates on big lists: no page sorts or counts a million orders
    # (shop.admin_paginator).
    ordering = ["-created_at", "-id"]
    paginator = EstimatedCountPaginator
    list_per_page = LONG_LIST_PER_PAGE
    show_full_result_count = False
    # Apps above orders add theirs between the items and the history (order_admin_inline_add).
    inlines = [OrderLineInline, OrderDiscountInline, ShipmentInline, OrderEventInline]
    actions = [
        confirm_selected,
        mark_paid_selected,
        ship_selected,
        mark_delivered_selected,
        cancel_selected,
        refund_selected,
        export_csv_selected,
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
                    "discount_total_display",
                    "shipping_total_display",
                    "shipping_discount_display",
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
                    "confirmed_at",
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

    def response_action(self, request, queryset):
        # Django answers an action the user may not run with "No action selected." and a 302; a
        # forged or stale post of one (a money action without orders.refund_order) is a 403 instead.
        # The action Django reads: the select named by "index" (the list has one above and below).
        try:
            index = int(request.POST.get("index", 0))
        except ValueError:
            index = 0
        try:
            name = request.POST.getlist("action")[index]
        except IndexError:
            name = request.POST.get("action", "")
        declared = {action.__name__ for action in self.actions}
        if name in declared and name not in self.get_actions(request):
            raise PermissionDenied
        return super().response_action(request, queryset)

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
                context["ship_form"] = OrderShipForm(lines=order_lines_to_ship(order=obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return LongListChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Equality on indexed columns only (the number's unique index, the canonical email's and
        # the phone's indexes); a substring search would read every order. Few matches are read
        # from those indexes, their ids united, and sorted: as one OR beside the newest-first
        # ordering, PostgreSQL walked the placed-at index backwards past 100,000 newer orders to
        # reach an older customer's (25 ms). Many matches (a shared phone number) fill a page
        # soon on that walk, where reading and sorting 100,000 of them took 500 ms; the
        # planner's estimate of the union decides, before any order is read.
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = [Q(number=term.upper())]
        if "@" in term:
            # Identity is decided on the canonical form the order stores (shop.identity).
            matches.append(Q(email_canonical=email_canonical(term)))
        phones = {term}
        # Stored in E.164 (shop.phones); a number typed without + is read as a mainland one.
        if (normalised := phone_normalised(phone=term, country=Country.CN)) is not None:
            phones.add(normalised)
        matches.append(Q(phone__in=sorted(phones)))
        first, *others = (Order.objects.filter(match).order_by().values("pk") for match in matches)
        united = first.union(*others, all=True)
        estimate = queryset_count_estimate(united)
        if estimate is not None and estimate > SEARCH_UNITE_LIMIT:
            return queryset.filter(reduce(or_, matches)), False
        return queryset.filter(pk__in=united), False

    # Columns and read-only fields

    @admin.display(description=_("order"), ordering="created_at")
    def number_placed(self, order: Order) -> str:
        placed = date_format(timezone.localtime(order.created_at), "SHORT_DATETIME_FORMAT")
        return format_html('{}<span class="order-placed">{}</span>', order.number, placed)

    @admin.display(description=_("customer"), ordering="full_name")
    def customer(self, order: Order) -> str:
        return format_html(
            '<span class="order-customer" title="{}">{}</span><span class="order-email" title="{}">{}</span>',
            order.full_name,
            order.full_name,
            order.email,
            order.email,
        )

    @admin.display(description=_("total"), ordering="grand_total")
    def total(self, order: Order) -> str:
        return format_money(order.grand_total)

    @admin.display(description=_("payment method"), ordering="payment_method")
    def payment_method_display(self, order: Order) -> str:
        return order.payment_method_name

    @admin.display(description=_("payment"), ordering="payment_method")
    def payment_column(self, order: Order) -> str:
        return order.payment_method_name

    @admin.display(description=_("status"))
    def status_badge(self, order: Order) -> str:
        status = order.display_status
        return format_html('<span class="status-badge order-badge-{}">{}</span>', status.value, status.label)

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
        # As every page and email prints it (large to small in mainland China, with the district).
        lines = [
            order.full_name,
            *order.address_lines,
            phone_display(phone=order.phone, country=order.country),
        ]
        return format_html_join("", "{}<br>", ((line,) for line in lines if line))

    @admin.display(description=_("subtotal"))
    def subtotal_display(self, order: Order) -> str:
        return format_money(order.subtotal)

    @admin.display(description=_("discount"))
    def discount_total_display(self, order: Order) -> str:
        return money_off(order.discount_total) if order.discount_total else "—"

    @admin.display(description=_("shipping"))
    def shipping_total_display(self, order: Order) -> str:
        return format_money(order.shipping_total)

    @admin.display(description=_("shipping discount"))
    def shipping_discount_display(self, order: Order) -> str:
        return money_off(order.shipping_discount) if order.shipping_discount else "—"

    @admin.display(description=_("total"))
    def grand_total_display(self, order: Order) -> str:
        return format_money(order.grand_total)

    # Custom views (orders/admin/views.py, orders/admin/export.py)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        custom = [
            path("export/", wrap(self.export_view), name="{}_{}_export".format(*info)),
            path("discounts/", wrap(self.discount_report_view), name="{}_{}_discount_report".format(*info)),
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

    def discount_report_view(self, request: HttpRequest) -> HttpResponse:
        return order_discount_report_view(request, model_admin=self)

    def ship_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_ship_view(request, model_admin=self, object_id=object_id)

    def transition_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        return order_transition_view(request, model_admin=self, object_id=object_id, action=action)

    def packing_slip_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_packing_slip_view(request, model_admin=self, object_id=object_id)

    def invoice_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return order_invoice_view(request, model_admin=self, object_id=object_id)


def order_admin_inline_add(inline: type[InlineModelAdmin]) -> None:
    """Show another app's inline on the order page, between the items and the history.

    For the apps above orders (payments adds the online payment attempts): call it from
    the app's admin module, which the admin imports at start-up, before its checks run.
    Adding the same inline twice changes nothing.
    """
    if inline not in OrderAdmin.inlines:
        OrderAdmin.inlines.insert(OrderAdmin.inlines.index(OrderEventInline), inline)
