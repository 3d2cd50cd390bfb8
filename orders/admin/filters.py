"""Filters of the order list: shopper-facing status, waiting to ship, cancelled, payment method."""

from django.contrib import admin
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
