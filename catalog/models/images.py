"""Product photos and where their files are stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models.products import Product, Variant


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id or 'new'}/{filename}"


class ProductImage(models.Model):
    """A product photo; thumbnails in the template sizes are made once, at upload."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(
        _("image"), upload_to=product_image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    thumbnail_small = models.ImageField(
        _("small thumbnail"), upload_to="thumbnails/", blank=True, editable=False
    )
    thumbnail_large = models.ImageField(
        _("large thumbnail"), upload_to="thumbnails/", blank=True, editable=False
    )
    alt_text = models.CharField(_("alt text"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # The product page shows this photo first while this variant is chosen (a colour, say).
    variant = models.ForeignKey(
        Variant,
        verbose_name=_("option"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="images",
        help_text=_("Show this photo first when a shopper chooses this option. Leave empty for any option."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name

    @property
    def alt(self) -> str:
        return self.alt_text or self.product.name
