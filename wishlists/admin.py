"""The wishlist admin: products counted by how many keep them (what to restock or promote), who keeps
what (for support), and the emails sent."""

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.admin_lists import LONG_LIST_PER_PAGE
from shop.admin_paginator import EstimatedCountPaginator
from shop.admin_readonly import ReadOnlyModelAdmin
from shop.identity import email_canonical
from wishlists.models import WishedProduct, WishlistItem, WishlistNotice


@admin.register(WishedProduct)
class WishedProductAdmin(ReadOnlyModelAdmin):
    """Products on at least one wishlist, the most kept first, with how many asked for emails."""

    list_display = ["name", "listed_price", "in_stock", "kept", "emails"]
    list_display_links = None
    search_fields = ["name"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WishedProduct]:
        return (
            super()
            .get_queryset(request)
            .filter(Exists(WishlistItem.objects.filter(product=OuterRef("pk"))))
            .annotate(
                kept=Count("wishlist_items"),
                emails=Count("wishlist_items", filter=Q(wishlist_items__notify=True)),
            )
            .order_by("-kept", "name", "pk")
        )

    @admin.display(description=_("on wishlists"), ordering="kept")
    def kept(self, product: WishedProduct) -> int:
        return product.kept

    @admin.display(description=_("with emails on"), ordering="emails")
    def emails(self, product: WishedProduct) -> int:
        return product.emails


class _CustomerEmailSearch(ReadOnlyModelAdmin):
    """A search with an "@" finds the rows of the customer with that address (its canonical form)."""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if "@" in term:
            return queryset.filter(user__email_canonical=email_canonical(term)), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(WishlistItem)
class WishlistItemAdmin(_CustomerEmailSearch):
    """Who keeps what: to answer a customer about their list. Search by their exact email address."""

    list_display = ["added_at", "product", "user", "added_price", "notify"]
    list_filter = ["notify", "language"]
    search_fields = ["product__name"]
    list_select_related = ["product", "user"]
    ordering = ["-added_at", "-id"]
    paginator = EstimatedCountPaginator
    list_per_page = LONG_LIST_PER_PAGE
    show_full_result_count = False


@admin.register(WishlistNotice)
class WishlistNoticeAdmin(_CustomerEmailSearch):
    """The wishlist emails: when each was queued and sent, and the last error of one that failed."""

    list_display = ["created_at", "user", "language", "sent_at", "attempts"]
    list_filter = ["language"]
    search_fields = ["user__email_canonical"]
    list_select_related = ["user"]
    fields = ["user", "language", "entries", "created_at", "sent_at", "attempts", "last_error"]
    ordering = ["-created_at", "-id"]
    paginator = EstimatedCountPaginator
    list_per_page = LONG_LIST_PER_PAGE
    show_full_result_count = False
