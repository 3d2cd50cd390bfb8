from django.contrib import admin

from orders.models import OutboundEmail, ShippingMethod


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price", "free_above", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "id"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: staff see which order emails were sent, are retrying or failed, and why."""

    list_display = ["created_at", "kind", "to_email", "order", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "order__number", "subject"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
