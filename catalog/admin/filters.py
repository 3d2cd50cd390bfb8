"""Filters of the product list: the category tree, and stock of the active variants."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin.expressions import in_stock_exists, low_stock_exists
from catalog.admin.forms import category_path, category_tree


class CategoryTreeListFilter(admin.RelatedFieldListFilter):
    """The category filter, with full paths in tree order."""

    def field_choices(self, field, request, model_admin):
        return [(category.pk, category_path(category)) for category in category_tree()]


class StockStateFilter(admin.SimpleListFilter):
    """Products by the stock of their active variants."""

    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("in", _("In stock")),
            ("low", _("Low stock")),
            ("out", _("Out of stock")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "in":
                return queryset.filter(in_stock_exists())
            case "low":
                return queryset.filter(low_stock_exists())
            case "out":
                return queryset.filter(~in_stock_exists())
        return queryset


class LowStockFilter(admin.SimpleListFilter):
    """Products that need restocking: a variant running low, or nothing left to sell."""

    title = _("low stock")
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", _("Low or out of stock"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(low_stock_exists() | ~in_stock_exists())
