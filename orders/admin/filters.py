"""Filters of the order list: shopper-facing status, waiting to ship, cancelled, payment method, month."""

from datetime import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.payment_methods import payment_provider_list
from orders.selectors import order_status_filter, order_to_ship_filter


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
            return queryset.filter(order_to_ship_filter())
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


# Months offered by the month filter, counting this one.
PLACED_MONTHS_OFFERED = 12


def _month_start(year: int, month: int) -> datetime:
    """Midnight starting the month in the shop's time zone (TIME_ZONE), whatever zone is active."""
    return timezone.make_aware(datetime(year, month, 1), timezone.get_default_timezone())


class PlacedMonthFilter(admin.SimpleListFilter):
    """Orders placed in one of the last twelve months, a range on the placed-at index.

    Months are the shop's (settings.TIME_ZONE): the months offered, and each month's first and
    last instant, the same for every member of staff.

    The months come from the calendar, not from the orders, so listing them reads nothing.
    """

    title = _("month placed")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        months = []
        year, month = today.year, today.month
        for _step in range(PLACED_MONTHS_OFFERED):
            months.append(
                (f"{year:04d}-{month:02d}", date_format(datetime(year, month, 1), "YEAR_MONTH_FORMAT"))
            )
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return months

    def queryset(self, request, queryset):
        try:
            year, month = (int(part) for part in (self.value() or "").split("-"))
            start = _month_start(year, month)
        except (ValueError, OverflowError):
            return queryset
        end = _month_start(year + 1, 1) if month == 12 else _month_start(year, month + 1)
        return queryset.filter(created_at__gte=start, created_at__lt=end)
