"""Inlines of the product page: its variants, its photos and staff's recommendation pins and hides."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin.forms import ProductImageAdminForm, VariantAdminForm
from catalog.admin.thumbnails import THUMBNAIL_PREVIEW_SIZE, thumbnail_img
from catalog.models import ProductImage, RecommendationOverride, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantAdminForm
    fields = ["sku", "options", "price", "sale", "stock", "weight_grams", "is_active", "position"]
    extra = 0
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        # Every product is sold through a variant: refuse to save one without any.
        kwargs["validate_min"] = True
        return super().get_formset(request, obj, **kwargs)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageAdminForm
    fields = ["image", "preview", "alt_text", "variant", "position"]
    readonly_fields = ["preview"]
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A photo may belong to one of this product's own options only; a new product has none yet.
        formset.form.base_fields["variant"].queryset = (
            Variant.objects.filter(product=obj).order_by("position", "id")
            if obj is not None
            else Variant.objects.none()
        )
        return formset

    @admin.display(description=_("preview"))
    def preview(self, obj: ProductImage) -> str:
        return thumbnail_img(
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
