"""The catalogue admin: products with variants and photos, and the category tree."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.admin_forms import (
    CategoryAdminForm,
    CategoryChoiceField,
    ProductImageAdminForm,
    VariantAdminForm,
    category_path,
    category_tree,
)
from catalog.models import (
    LOW_STOCK_THRESHOLD,
    BackInStockRequest,
    BackInStockVariant,
    Category,
    Product,
    ProductImage,
    RecommendationOverride,
    Variant,
)
from catalog.recommendations import back_in_stock_requests_notify
from catalog.services import (
    product_image_discard_files,
    product_image_make_thumbnails,
    product_set_active,
)
from shop.money import format_money

THUMBNAIL_COLUMN_SIZE = 48
THUMBNAIL_PREVIEW_SIZE = 96


def _active_variants() -> QuerySet[Variant]:
    return Variant.objects.filter(product=OuterRef("pk"), is_active=True)


def _active_variant_aggregate(aggregate) -> Subquery:
    # A subquery per column rather than a join: admin search and filters can
    # then never multiply the rows being summed.
    return Subquery(
        _active_variants().order_by().values("product").annotate(value=aggregate).values("value")[:1]
    )


def _thumbnail_img(storage_name: str | None, storage, size: int) -> str:
    if not storage_name:
        return "—"
    # No style attribute: the Content-Security-Policy allows no inline styles (css/admin.css fits it).
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" class="admin-thumbnail">',
        storage.url(storage_name),
        size,
        size,
    )


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
        in_stock = Exists(_active_variants().filter(stock__gt=0))
        match self.value():
            case "in":
                return queryset.filter(in_stock)
            case "low":
                return queryset.filter(
                    Exists(_active_variants().filter(stock__gt=0, stock__lte=LOW_STOCK_THRESHOLD))
                )
            case "out":
                return queryset.filter(~in_stock)
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
        running_low = Exists(_active_variants().filter(stock__gt=0, stock__lte=LOW_STOCK_THRESHOLD))
        sold_out = ~Exists(_active_variants().filter(stock__gt=0))
        return queryset.filter(running_low | sold_out)


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantAdminForm
    fields = ["sku", "options", "price", "stock", "is_active", "position"]
    extra = 0
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        # Every product is sold through a variant: refuse to save one without any.
        kwargs["validate_min"] = True
        return super().get_formset(request, obj, **kwargs)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageAdminForm
    fields = ["image", "preview", "alt_text", "position"]
    readonly_fields = ["preview"]
    extra = 0

    @admin.display(description=_("preview"))
    def preview(self, obj: ProductImage) -> str:
        return _thumbnail_img(
            obj.thumbnail_small.name if obj else None,
            ProductImage.thumbnail_small.field.storage,
            THUMBNAIL_PREVIEW_SIZE,
        )


class RecommendationOverrideForm(forms.ModelForm):
    class Meta:
        model = RecommendationOverride
        fields = ["recommended", "action", "position"]

    def clean(self) -> dict:
        cleaned = super().clean()
        # The inline leaves the product out of model validation, so its check constraint is checked here.
        recommended = cleaned.get("recommended")
        if recommended is not None and recommended.pk == self.instance.product_id:
            self.add_error("recommended", _("A product cannot recommend itself."))
        return cleaned


class RecommendationOverrideInline(admin.TabularInline):
    """Staff's pins (first, in position order) and hides (never shown) of this product's recommendations."""

    model = RecommendationOverride
    form = RecommendationOverrideForm
    fk_name = "product"
    fields = ["recommended", "action", "position"]
    autocomplete_fields = ["recommended"]
    extra = 0
    verbose_name = _("recommendation pin or hide")
    verbose_name_plural = _("recommendations: pins and hides")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
    search_fields = ["name", "variants__sku"]
    search_help_text = _("Search by product name or variant SKU.")
    prepopulated_fields = {"slug": ("name",)}
    fields = ["name", "slug", "category", "description", "is_active", "is_featured"]
    actions = ["activate_products", "deactivate_products"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        first_thumbnail = (
            ProductImage.objects.filter(product=OuterRef("pk"))
            .order_by("position", "id")
            .values("thumbnail_small")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                min_price=_active_variant_aggregate(Min("price")),
                max_price=_active_variant_aggregate(Max("price")),
                total_stock=Coalesce(
                    _active_variant_aggregate(Sum("stock")), Value(0), output_field=IntegerField()
                ),
                first_thumbnail=Subquery(first_thumbnail),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Django would join variants to search SKUs and then need DISTINCT;
        # matching in a subquery keeps one row per product and the annotations right.
        if not search_term.strip():
            return queryset, False
        matching, _duplicates = super().get_search_results(request, Product.objects.order_by(), search_term)
        return queryset.filter(pk__in=matching.values("pk")), False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["form_class"] = CategoryChoiceField
            kwargs["queryset"] = category_tree()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("photo"))
    def thumbnail(self, obj: Product) -> str:
        return _thumbnail_img(
            obj.first_thumbnail, ProductImage.thumbnail_small.field.storage, THUMBNAIL_COLUMN_SIZE
        )

    @admin.display(description=_("price"), ordering="min_price")
    def price_range(self, obj: Product) -> str:
        if obj.min_price is None:
            return "—"
        if obj.min_price == obj.max_price:
            return format_money(obj.min_price)
        return f"{format_money(obj.min_price)} – {format_money(obj.max_price)}"  # noqa: RUF001

    @admin.display(description=_("stock"), ordering="total_stock")
    def total_stock(self, obj: Product) -> int:
        return obj.total_stock

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


class CategoryChangeList(ChangeList):
    """Categories in tree order (each right under its parent) until a column header is clicked."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet) -> list:
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_key", "pk"]

    def get_ordering_field_columns(self) -> dict[int, str]:
        if ORDER_VAR in self.params:
            return super().get_ordering_field_columns()
        return {self.list_display.index("tree_path"): "asc"}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["tree_path", "parent", "slug", "position", "is_active"]
    list_display_links = ["tree_path"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return category_tree(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return CategoryChangeList

    @admin.display(description=_("category"), ordering="tree_key")
    def tree_path(self, obj: Category) -> str:
        return category_path(obj)


# Back in stock --------------------------------------------------------------------------------


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BackInStockRequest)
class BackInStockRequestAdmin(_ReadOnlyAdmin):
    """Every shopper's back-in-stock request: waiting, notified (and whether the email went) or stopped."""

    list_display = ["created_at", "email", "variant", "status", "notified_at", "sent_at", "attempts"]
    list_filter = ["status", "language"]
    search_fields = ["email", "variant__sku", "variant__product__name"]
    list_select_related = ["variant__product"]
    date_hierarchy = "created_at"


@admin.register(BackInStockVariant)
class BackInStockVariantAdmin(_ReadOnlyAdmin):
    """Variants shoppers have asked about, with their requests counted: what to restock first."""

    list_display = ["sku", "product", "options_label", "stock", "waiting", "notified", "requests_link"]
    list_display_links = None
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[BackInStockVariant]:
        status = BackInStockRequest.Status
        return (
            super()
            .get_queryset(request)
            .filter(Exists(BackInStockRequest.objects.filter(variant=OuterRef("pk"))))
            .annotate(
                waiting=Count(
                    "back_in_stock_requests", filter=Q(back_in_stock_requests__status=status.PENDING)
                ),
                notified=Count(
                    "back_in_stock_requests", filter=Q(back_in_stock_requests__status=status.NOTIFIED)
                ),
            )
            .order_by("-waiting", "-notified", "sku")
        )

    @admin.display(description=_("waiting"), ordering="waiting")
    def waiting(self, obj: BackInStockVariant) -> int:
        return obj.waiting

    @admin.display(description=_("notified"), ordering="notified")
    def notified(self, obj: BackInStockVariant) -> int:
        return obj.notified

    @admin.display(description=_("requests"))
    def requests_link(self, obj: BackInStockVariant) -> str:
        url = reverse("admin:catalog_backinstockrequest_changelist") + f"?variant__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("View requests"))
