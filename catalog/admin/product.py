"""The product admin: the product list (photo, prices, stock) and the product page.

Photo files follow the rows: new or replaced photos get thumbnails, deleted
ones lose their files. Activating and deactivating go through catalog/services.py.
"""

import re

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.admin.filters import CategoryTreeListFilter, LowStockFilter, StockStateFilter
from catalog.admin.forms import CategoryChoiceField, category_tree
from catalog.admin.inlines import ProductImageInline, RecommendationOverrideInline, VariantInline
from catalog.admin.thumbnails import THUMBNAIL_COLUMN_SIZE, thumbnail_img
from catalog.back_in_stock import back_in_stock_requests_notify
from catalog.models import Product, ProductImage, Variant
from catalog.services import (
    product_image_discard_files,
    product_image_make_thumbnails,
    product_set_active,
)
from shop.admin_lists import LONG_LIST_PER_PAGE, ActionCheckboxMixin, LongListChangeList
from shop.admin_paginator import EstimatedCountPaginator
from shop.money import format_money

# Longer search text is cut: no name or SKU is longer, and the query stays small.
SEARCH_TERM_MAX_LENGTH = 200
# The autocomplete pickers also match the start of a word ("gre" finds "green"), among the newest
# this many products: a short prefix matches much of the catalogue, and a picker shows a few.
AUTOCOMPLETE_PREFIX_MATCH_LIMIT = 100
# Words of the search text, for the prefix query (nothing else reaches the tsquery syntax).
_WORD = re.compile(r"\w+")


def _is_autocomplete(request: HttpRequest | None) -> bool:
    """Whether ``request`` is the admin's autocomplete view (a picker typing a product's name)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


def prefix_search_query(term: str) -> SearchQuery | None:
    """Every word of ``term`` as the start of a word (simple config), or None without a word."""
    words = _WORD.findall(term.lower())
    if not words:
        return None
    return SearchQuery(" & ".join(f"'{word}':*" for word in words), search_type="raw", config="simple")


class ProductChangeList(LongListChangeList):
    """The product list, with each shown product's prices, stock and first photo.

    Read for the page's rows only, once the page is chosen (two queries): as
    subqueries of the list's own query the planner could work them out for every
    product it sorts.
    """

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = products_figures_attach(list(self.result_list))


def products_figures_attach(products: list[Product]) -> list[Product]:
    """Set ``min_price``, ``max_price``, ``total_stock`` (active variants) and ``first_thumbnail``."""
    ids = [product.pk for product in products]
    figures = {
        row["product_id"]: row
        for row in Variant.objects.filter(product_id__in=ids, is_active=True)
        .order_by()
        .values("product_id")
        .annotate(min_price=Min("price"), max_price=Max("price"), total_stock=Sum("stock"))
    }
    thumbnails = dict(
        ProductImage.objects.filter(product_id__in=ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
        .values_list("product_id", "thumbnail_small")
    )
    for product in products:
        row = figures.get(product.pk, {})
        product.min_price = row.get("min_price")
        product.max_price = row.get("max_price")
        product.total_stock = row.get("total_stock") or 0
        product.first_thumbnail = thumbnails.get(product.pk)
    return products


@admin.register(Product)
class ProductAdmin(ActionCheckboxMixin, admin.ModelAdmin):
    inlines = [VariantInline, ProductImageInline, RecommendationOverrideInline]

    class Media:
        css = {"all": ["css/admin.css"]}

    list_display = [
        "thumbnail",
        "name",
        "category",
        "price_range",
        "total_stock",
        "is_active",
        "is_featured",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = [
        ("category", CategoryTreeListFilter),
        "is_active",
        "is_featured",
        StockStateFilter,
        LowStockFilter,
    ]
    list_select_related = ["category"]
    # Newest first on the primary key, and counts PostgreSQL estimates on big lists: no page
    # sorts or counts every product (shop.admin_paginator).
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    list_per_page = LONG_LIST_PER_PAGE
    show_full_result_count = False
    # get_search_results does the matching; Django needs a field here to show the search box.
    search_fields = ["name"]
    search_help_text = _("Search by whole words of the product name, or by a variant's exact SKU.")
    prepopulated_fields = {"slug": ("name",)}
    fields = [
        "name",
        "slug",
        "category",
        "description",
        "is_active",
        "is_featured",
        "max_per_order",
        "return_exemption",
    ]
    actions = ["activate_products", "deactivate_products"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).defer("search_vector")

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ProductChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Both halves use an index (the SKU's unique index, the search vector's GIN index); an OR
        # of the two in one WHERE would check every product, so their ids are united instead.
        # A subquery keeps one row per product and the annotations right, without DISTINCT.
        term = search_term.strip()[:SEARCH_TERM_MAX_LENGTH]
        if not term:
            return queryset, False
        # Whole words only: the planner estimates whole lexemes well (so a rare word takes the
        # GIN index), but not prefixes, and a bad estimate made it read every product.
        query = SearchQuery(term, search_type="websearch", config="simple") | SearchQuery(
            term, search_type="websearch", config="english"
        )
        matching = (
            Variant.objects.filter(sku=term)
            .order_by()
            .values("product_id")
            .union(Product.objects.filter(search_vector=query).order_by().values("id"))
        )
        prefix_query = prefix_search_query(term) if _is_autocomplete(request) else None
        if prefix_query is not None:
            newest_prefix_matches = (
                Product.objects.filter(search_vector=prefix_query)
                .order_by("-id")
                .values("id")[:AUTOCOMPLETE_PREFIX_MATCH_LIMIT]
            )
            matching = matching.union(newest_prefix_matches)
        return queryset.filter(pk__in=matching), False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["form_class"] = CategoryChoiceField
            kwargs["queryset"] = category_tree()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("photo"))
    def thumbnail(self, obj: Product) -> str:
        return thumbnail_img(
            obj.first_thumbnail, ProductImage.thumbnail_small.field.storage, THUMBNAIL_COLUMN_SIZE
        )

    # The price and stock columns sort on the stored listing price and stock flag (kept by
    # PostgreSQL, catalog migration 0010): sorting on the computed ones would work out every
    # product's prices and stock before the first page.
    @admin.display(description=_("price"), ordering="listed_price")
    def price_range(self, obj: Product) -> str:
        if obj.min_price is None:
            return "—"
        if obj.min_price == obj.max_price:
            return format_money(obj.min_price)
        return f"{format_money(obj.min_price)} – {format_money(obj.max_price)}"  # noqa: RUF001

    @admin.display(description=_("stock"), ordering="in_stock")
    def total_stock(self, obj: Product) -> int:
        return obj.total_stock

    # Photo files: kept in step with the ProductImage rows.

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not ProductImage:
            super().save_formset(request, form, formset, change)
            return
        replaced_originals = {
            image_form.instance.pk: image_form.initial["image"].name
            for image_form in formset.initial_forms
            if "image" in image_form.changed_data
            and image_form not in formset.deleted_forms
            and image_form.initial.get("image")
        }
        formset.save()
        for image in formset.deleted_objects:
            product_image_discard_files(image=image)
        for image_form in formset.forms:
            image = image_form.instance
            if image.pk is None or image_form in formset.deleted_forms:
                continue
            if image_form in formset.extra_forms or image.pk in replaced_originals:
                product_image_make_thumbnails(image=image)
                if image.pk in replaced_originals:
                    product_image_discard_files(image=image, names=[replaced_originals[image.pk]])
            elif not image.thumbnail_small or not image.thumbnail_large:
                self._repair_thumbnails(request, image)

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        images = list(obj.images.all())
        super().delete_model(request, obj)
        for image in images:
            product_image_discard_files(image=image)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        product_ids = list(queryset.values_list("pk", flat=True))
        images = list(ProductImage.objects.filter(product_id__in=product_ids))
        super().delete_queryset(request, queryset)
        for image in images:
            product_image_discard_files(image=image)

    def _repair_thumbnails(self, request: HttpRequest, image: ProductImage) -> None:
        try:
            product_image_make_thumbnails(image=image)
        except (ValidationError, OSError):
            self.message_user(
                request,
                gettext("No thumbnails could be made for the image “%(name)s”; upload it again.")
                % {"name": image.image.name},
                messages.WARNING,
            )

    # Actions

    @admin.action(description=_("Activate selected products"), permissions=["change"])
    def activate_products(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        product_ids = list(queryset.values_list("pk", flat=True))
        changed = product_set_active(product_ids=product_ids, active=True)
        # update() skips the signals: shoppers waiting for these products' stock are told here.
        back_in_stock_requests_notify(product_ids=product_ids)
        self.message_user(
            request,
            ngettext("%(count)d product was activated.", "%(count)d products were activated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate selected products"), permissions=["change"])
    def deactivate_products(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        changed = product_set_active(product_ids=queryset.values_list("pk", flat=True), active=False)
        self.message_user(
            request,
            ngettext("%(count)d product was deactivated.", "%(count)d products were deactivated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )
