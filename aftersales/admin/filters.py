"""Filters of the after-sales queue: open requests by default, and how long they have waited."""

from datetime import timedelta

from django.contrib import admin
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import AfterSalesRequest
from aftersales.selectors import request_open_q

OPEN = "open"
ALL = "all"


class StatusFilter(admin.SimpleListFilter):
    """Open requests unless staff choose a status or "All"."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (OPEN, pgettext_lazy("after-sales requests", "Open")),
            *AfterSalesRequest.Status.choices,
            (ALL, pgettext_lazy("after-sales requests", "All")),
        ]

    def value(self) -> str:
        return super().value() or OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == OPEN:
            return queryset.filter(request_open_q())
        if value in AfterSalesRequest.Status.values:
            return queryset.filter(status=value)
        return queryset


class AgeFilter(admin.SimpleListFilter):
    """Open requests waiting longer than some days, counted by the database's clock."""

    title = _("waiting")
    parameter_name = "waiting"
    DAYS = {"2": 2, "7": 7}

    def lookups(self, request, model_admin):
        return [("2", _("More than 2 days")), ("7", _("More than 7 days"))]

    def queryset(self, request, queryset):
        days = self.DAYS.get(self.value() or "")
        if days is None:
            return queryset
        return queryset.filter(request_open_q(), created_at__lt=Now() - timedelta(days=days))
