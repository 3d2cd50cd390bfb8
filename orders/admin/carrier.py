"""The carriers admin: couriers, their names in both languages and their tracking addresses."""

from django.contrib import admin

from orders.models import Carrier


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    """Carriers are kept, never deleted, once a parcel names them: retire one by unticking "active"."""

    list_display = ["name", "name_zh", "code", "tracking_url_template", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "name_zh", "code"]
    ordering = ["position", "id"]
