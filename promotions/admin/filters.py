"""Filters of the coupon and promotion lists: where each stands now, and the coupon's campaign."""

from django.contrib import admin
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from promotions.models import Coupon, WindowStatus
from promotions.selectors import coupon_status_filter, promotion_status_filter

# The sidebar lists the campaigns with the newest codes; searching finds any other.
CAMPAIGN_FILTER_LIMIT = 20
NO_CAMPAIGN = "-"


class CouponStatusFilter(admin.SimpleListFilter):
    """Live now, scheduled, used up, ended or switched off, at the moment the list is shown."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return WindowStatus.choices

    def queryset(self, request, queryset):
        if self.value() in WindowStatus.values:
            return queryset.filter(coupon_status_filter(status=self.value()))
        return queryset


class PromotionStatusFilter(admin.SimpleListFilter):
    """Live now, scheduled, ended or switched off; a promotion has no uses to run out of."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in WindowStatus.choices if value != WindowStatus.USED_UP]

    def queryset(self, request, queryset):
        if self.value() in WindowStatus.values and self.value() != WindowStatus.USED_UP:
            return queryset.filter(promotion_status_filter(status=self.value()))
        return queryset


class CampaignFilter(admin.SimpleListFilter):
    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        campaigns = list(
            Coupon.objects.exclude(campaign="")
            .values("campaign")
            .annotate(newest=Max("created_at"))
            .order_by("-newest", "campaign")
            .values_list("campaign", flat=True)[:CAMPAIGN_FILTER_LIMIT]
        )
        choices = [(campaign, campaign) for campaign in campaigns]
        # A campaign chosen by a link (after generating codes) is offered even when older.
        if self.value() and self.value() != NO_CAMPAIGN and self.value() not in campaigns:
            choices.insert(0, (self.value(), self.value()))
        return [*choices, (NO_CAMPAIGN, _("No campaign"))]

    def queryset(self, request, queryset):
        if self.value() == NO_CAMPAIGN:
            return queryset.filter(campaign="")
        if self.value():
            return queryset.filter(campaign=self.value())
        return queryset
