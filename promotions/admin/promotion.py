"""The automatic promotion admin: spend-and-save tiers or a percentage off, in a time window."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from promotions.admin.autocomplete import ProductScopeAdminMixin
from promotions.admin.display import promotion_discount_html, status_html, window_html
from promotions.admin.filters import PromotionStatusFilter
from promotions.admin.forms import PromotionAdminForm, PromotionTierForm, PromotionTierFormSet
from promotions.models import Promotion, PromotionTier


class PromotionTierInline(admin.TabularInline):
    """Spend at least this, save that; checked together with the promotion's kind."""

    model = PromotionTier
    form = PromotionTierForm
    formset = PromotionTierFormSet
    fields = ["threshold", "amount"]
    extra = 2


@admin.register(Promotion)
class PromotionAdmin(ProductScopeAdminMixin, admin.ModelAdmin):
    form = PromotionAdminForm
    inlines = [PromotionTierInline]
    # As the coupon list: the window under the status, whose badge says "Switched off" when
    # the promotion is not active.
    list_display = ["name", "kind", "discount_column", "status_column"]
    list_filter = [PromotionStatusFilter, "kind", "is_active"]
    search_fields = ["name"]
    ordering = ["-created_at", "-id"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "percent", "is_active"]}),
        (_("When"), {"fields": ["valid_from", "valid_until"]}),
        (_("Products"), {"fields": ["categories", "products"]}),
        (None, {"fields": ["created_at"]}),
    ]

    class Media:
        css = {"all": ["css/promotions_admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Promotion]:
        return super().get_queryset(request).prefetch_related("tiers")

    @admin.display(description=_("discount"))
    def discount_column(self, promotion: Promotion) -> str:
        return promotion_discount_html(promotion)

    @admin.display(description=_("status"), ordering="valid_from")
    def status_column(self, promotion: Promotion) -> str:
        return format_html("{}{}", status_html(promotion), window_html(promotion))
