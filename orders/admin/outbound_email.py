"""The outbound email admin: a read-only record of the order emails and their delivery."""

from django.contrib import admin

from orders.models import OutboundEmail
from shop.admin_readonly import ReadOnlyModelAdmin


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyModelAdmin):
    """Read-only: staff see which order emails were sent, are retrying or failed, and why."""

    list_display = ["created_at", "kind", "to_email", "order", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "order__number", "subject"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
