"""The coupon admin: the coupon list and page, generating codes in bulk, downloading them.

A typed code is looked up in its canonical form (promotions.codes), never with UPPER() or
iexact. The number of uses is counted by checkouts (promotions.services.coupon_use_take)
and only shown here: saving a coupon locks its row and never writes that count.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from promotions.admin.autocomplete import ProductScopeAdminMixin
from promotions.admin.display import (
    coupon_discount_html,
    coupon_uses_html,
    coupon_uses_text,
    status_html,
    window_html,
)
from promotions.admin.filters import CampaignFilter, CouponStatusFilter
from promotions.admin.forms import CouponAdminForm
from promotions.admin.views import (
    coupon_csv_response,
    coupon_generate_done_view,
    coupon_generate_download_view,
    coupon_generate_view,
)
from promotions.codes import coupon_code_canonical
from promotions.models import Coupon
from promotions.services import coupons_deactivate

# Everything but the use count, which only checkouts change.
COUPON_SAVED_FIELDS = [
    field.name
    for field in Coupon._meta.concrete_fields
    if field.name not in ("id", "uses_count", "created_at")
]


@admin.register(Coupon)
class CouponAdmin(ProductScopeAdminMixin, admin.ModelAdmin):
    form = CouponAdminForm
    # Fits 1280 px beside the navigation and the filters, in English and Chinese: the
    # campaign rides under the code, the maximum and minimum spend under the discount, the
    # window under the status (whose badge says "Switched off" for a coupon not active), the
    # limit per customer and "first order only" under the uses.
    list_display = ["code_column", "discount_column", "status_column", "uses_column"]
    list_display_links = ["code_column"]
    list_filter = [CouponStatusFilter, "kind", "is_active", CampaignFilter]
    # The matching is get_search_results's; listed so the admin shows the search box.
    search_fields = ["code", "campaign"]
    search_help_text = _("Search by code, typed as a shopper would, or by campaign.")
    ordering = ["-created_at", "-id"]
    readonly_fields = ["uses_display", "created_at"]
    fieldsets = [
        (None, {"fields": ["code", "campaign", "is_active"]}),
        (_("Discount"), {"fields": ["kind", "value", "max_discount", "min_spend"]}),
        (_("When"), {"fields": ["valid_from", "valid_until"]}),
        (_("Limits"), {"fields": ["uses_total", "uses_display", "uses_per_customer", "first_order_only"]}),
        (_("Products"), {"fields": ["categories", "products"]}),
        (None, {"fields": ["created_at"]}),
    ]
    actions = ["deactivate_selected", "download_csv_selected"]

    class Media:
        css = {"all": ["css/promotions_admin.css"]}

    # Search: codes in their canonical form, campaigns as typed.

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        for word in search_term.split():
            match = Q(campaign__icontains=word)
            if code := coupon_code_canonical(word):
                match |= Q(code__contains=code)
            queryset = queryset.filter(match)
        return queryset, False

    # Saving: the row locked, the use count left alone.

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # A POST (save or delete) runs in the admin's transaction: lock the row, so the form
        # checks the use limit against the count as it is, and no checkout takes a use meanwhile.
        if request.method == "POST" and connection.in_atomic_block:
            queryset = self.get_queryset(request).select_for_update(of=("self",))
            field = Coupon._meta.pk if from_field is None else Coupon._meta.get_field(from_field)
            try:
                return queryset.get(**{field.name: field.to_python(object_id)})
            except (Coupon.DoesNotExist, ValidationError, ValueError):
                return None
        return super().get_object(request, object_id, from_field)

    def save_model(self, request: HttpRequest, obj: Coupon, form, change: bool) -> None:
        if change:
            obj.save(update_fields=COUPON_SAVED_FIELDS)
        else:
            obj.save()

    # Columns and read-only fields

    @admin.display(description=pgettext_lazy("coupon", "code"), ordering="code")
    def code_column(self, coupon: Coupon) -> str:
        return format_html(
            '<span class="promo-code" title="{}">{}</span>'
            '<span class="promo-line promo-quiet promo-campaign" title="{}">{}</span>',
            coupon.code,
            coupon.code,
            coupon.campaign,
            coupon.campaign,
        )

    @admin.display(description=_("discount"))
    def discount_column(self, coupon: Coupon) -> str:
        return coupon_discount_html(coupon)

    @admin.display(description=_("used"), ordering="uses_count")
    def uses_column(self, coupon: Coupon) -> str:
        return coupon_uses_html(coupon)

    @admin.display(description=_("status"), ordering="valid_from")
    def status_column(self, coupon: Coupon) -> str:
        return format_html("{}{}", status_html(coupon), window_html(coupon))

    @admin.display(description=_("times used"))
    def uses_display(self, coupon: Coupon) -> str:
        return coupon_uses_text(coupon)

    # Actions

    @admin.action(description=_("Deactivate selected coupons"), permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Coupon]) -> None:
        changed = coupons_deactivate(coupon_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d coupon was deactivated.", "%(count)d coupons were deactivated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Download codes as CSV"), permissions=["add"])
    def download_csv_selected(self, request: HttpRequest, queryset: QuerySet[Coupon]) -> HttpResponse:
        return coupon_csv_response(queryset, request=request)

    # Generating codes (promotions/admin/views.py)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("generate/", wrap(self.generate_view), name="promotions_coupon_generate"),
            path("generate/done/", wrap(self.generate_done_view), name="promotions_coupon_generate_done"),
            path(
                "generate/download/",
                wrap(self.generate_download_view),
                name="promotions_coupon_generate_download",
            ),
        ]
        return custom + super().get_urls()

    def generate_view(self, request: HttpRequest) -> HttpResponse:
        return coupon_generate_view(request, model_admin=self)

    def generate_done_view(self, request: HttpRequest) -> HttpResponse:
        return coupon_generate_done_view(request, model_admin=self)

    def generate_download_view(self, request: HttpRequest) -> HttpResponse:
        return coupon_generate_download_view(request, model_admin=self)
