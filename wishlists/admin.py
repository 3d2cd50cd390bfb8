"""The wishlist admin: what customers keep for later (what to restock or promote), and the emails sent."""

from django.contrib import admin

from shop.admin_readonly import ReadOnlyModelAdmin
from wishlists.models import WishlistItem, WishlistNotice


@admin.register(WishlistItem)
class WishlistItemAdmin(ReadOnlyModelAdmin):
    list_display = ["added_at", "product", "user", "added_price", "notify"]
    list_filter = ["notify", "language"]
    search_fields = ["product__name", "product__variants__sku", "user__email"]
    list_select_related = ["product", "user"]
    show_full_result_count = False


@admin.register(WishlistNotice)
class WishlistNoticeAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "user", "language", "sent_at", "attempts"]
    list_filter = ["language"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "language", "entries", "created_at", "sent_at", "attempts", "last_error"]
    show_full_result_count = False
