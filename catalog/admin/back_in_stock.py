"""The back-in-stock admin: shoppers' requests, and the variants they wait for (what to restock first)."""

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import BackInStockRequest, BackInStockVariant
from shop.admin_readonly import ReadOnlyModelAdmin


@admin.register(BackInStockRequest)
class BackInStockRequestAdmin(admin.ModelAdmin):
    """Every shopper's back-in-stock request: waiting, notified (and whether the email went) or stopped.

    Read-only, except that staff with the delete permission may delete requests.
    """

    list_display = ["created_at", "email", "variant", "status", "notified_at", "sent_at", "attempts"]
    list_filter = ["status", "language"]
    search_fields = ["email", "variant__sku", "variant__product__name"]
    list_select_related = ["variant__product"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BackInStockVariant)
class BackInStockVariantAdmin(ReadOnlyModelAdmin):
    """Variants shoppers have asked about, with their requests counted: what to restock first."""

    list_display = ["sku", "product", "options_label", "stock", "waiting", "notified", "requests_link"]
    list_display_links = None
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BackInStockVariant]:
        status = BackInStockRequest.Status
        return (
            super()
            .get_queryset(request)
            .filter(Exists(BackInStockRequest.objects.filter(variant=OuterRef("pk"))))
            .annotate(
                waiting=Count(
                    "back_in_stock_requests", filter=Q(back_in_stock_requests__status=status.PENDING)
                ),
                notified=Count(
                    "back_in_stock_requests", filter=Q(back_in_stock_requests__status=status.NOTIFIED)
                ),
            )
            .order_by("-waiting", "-notified", "sku")
        )

    @admin.display(description=_("waiting"), ordering="waiting")
    def waiting(self, obj: BackInStockVariant) -> int:
        return obj.waiting

    @admin.display(description=_("notified"), ordering="notified")
    def notified(self, obj: BackInStockVariant) -> int:
        return obj.notified

    @admin.display(description=_("requests"))
    def requests_link(self, obj: BackInStockVariant) -> str:
        url = reverse("admin:catalog_backinstockrequest_changelist") + f"?variant__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("View requests"))
