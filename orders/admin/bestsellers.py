"""Staff's bestsellers report: units, revenue and orders per product from paid orders, by period.

A view-only admin list over products (the catalogue's ``BestsellerProduct``
proxy; it shows under Catalogue in the admin), registered here because only
orders knows about sales.
"""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import BestsellerProduct
from orders.models import Order
from shop.money import format_money

PERIODS = {"7": _("Last 7 days"), "30": _("Last 30 days"), "90": _("Last 90 days")}
DEFAULT_PERIOD = "30"


def _period(request: HttpRequest) -> str:
    value = request.GET.get(PeriodFilter.parameter_name, "")
    return value if value in PERIODS else DEFAULT_PERIOD


class PeriodFilter(admin.SimpleListFilter):
    """Which days count; always one of them (an unknown value means the default)."""

    title = _("period")
    parameter_name = "period"

    def __init__(self, request, params, model, model_admin) -> None:
        self.current = _period(request)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return list(PERIODS.items())

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": value == self.current,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset  # BestsellerAdmin.get_queryset counts the chosen period


class BestsellerChangeList(ChangeList):
    """Most units first until a column header is clicked, and the header says so."""

    def get_ordering_field_columns(self) -> dict[int, str]:
        if ORDER_VAR in self.params:
            return super().get_ordering_field_columns()
        return {self.list_display.index("units"): "desc"}


@admin.register(BestsellerProduct)
class BestsellerAdmin(admin.ModelAdmin):
    """Products that sold in the period, most units first: paid orders only, cancelled ones left out."""

    list_display = ["name", "category", "units", "revenue", "orders", "product_link"]
    list_display_links = None
    list_filter = [PeriodFilter]
    list_select_related = ["category"]
    search_fields = ["name", "variants__sku"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[BestsellerProduct]:
        since = timezone.now() - timedelta(days=int(_period(request)))
        lines = "variants__order_lines"
        paid = Q(
            **{
                f"{lines}__order__payment_status": Order.PaymentStatus.PAID,
                f"{lines}__order__cancelled_at__isnull": True,
                f"{lines}__order__created_at__gte": since,
            }
        )
        # Not super(): the admin would order by get_ordering() before these columns exist.
        return (
            self.model._default_manager.get_queryset()
            .annotate(
                units=Sum(f"{lines}__quantity", filter=paid),
                revenue=Sum(f"{lines}__line_total", filter=paid),
                orders=Count(f"{lines}__order", filter=paid, distinct=True),
            )
            .filter(units__gt=0)
        )

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return BestsellerChangeList

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # Most units first (revenue, then id, settle ties) unless a column header says otherwise.
        return ["-units", "-revenue", "id"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Matching SKUs in a subquery keeps one row per product, so the sums stay right.
        if not search_term.strip():
            return queryset, False
        matching, _duplicates = super().get_search_results(
            request, BestsellerProduct.objects.order_by(), search_term
        )
        return queryset.filter(pk__in=matching.values("pk")), False

    @admin.display(description=_("units sold"), ordering="units")
    def units(self, obj: BestsellerProduct) -> int:
        return obj.units

    @admin.display(description=_("revenue"), ordering="revenue")
    def revenue(self, obj: BestsellerProduct) -> str:
        return format_money(obj.revenue)

    @admin.display(description=_("orders"), ordering="orders")
    def orders(self, obj: BestsellerProduct) -> int:
        return obj.orders

    @admin.display(description=_("product"))
    def product_link(self, obj: BestsellerProduct) -> str:
        url = reverse("admin:catalog_product_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Edit product"))
