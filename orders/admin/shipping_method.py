"""The shipping methods admin: names, prices and free-shipping thresholds, edited in place."""

from django.contrib import admin

from orders.models import ShippingMethod


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price", "free_above", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "id"]
