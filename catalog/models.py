from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Shoppers are told "only N left" at or below this stock.
LOW_STOCK_THRESHOLD = 5


class Category(models.Model):
    """A node in the category tree; a category shows its sub-categories' products too."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="catalog_category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category_detail", kwargs={"slug": self.slug})


class Product(models.Model):
    """What a shopper sees on a product page; what is sold is one of its variants."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept current by database triggers over name, description and the
    # variants' SKUs (see migration 0002), so every write path updates it.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_product_search_gin"),
            models.Index(fields=["is_active", "category"], name="catalog_product_active_cat"),
            models.Index(fields=["-created_at"], name="catalog_product_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", kwargs={"slug": self.slug})


class Variant(models.Model):
    """A stock-keeping unit: its own SKU, option values, price and stock."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="variants"
    )
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    # Option name -> value, e.g. {"Size": "M", "Colour": "Blue"}; empty for a simple product.
    options = models.JSONField(_("options"), default=dict, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_variant_price_non_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_variant_stock_non_negative"),
        ]
        indexes = [models.Index(fields=["product", "is_active"], name="catalog_variant_product_active")]

    def __str__(self) -> str:
        label = self.options_label
        return f"{self.product.name} ({label})" if label else self.product.name

    @property
    def options_label(self) -> str:
        """Option values for display, e.g. ``Size: M / Colour: Blue``."""
        return " / ".join(f"{name}: {value}" for name, value in (self.options or {}).items())

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def is_low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK_THRESHOLD


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


class CatalogRevision(models.Model):
    """One row whose number changes with every catalogue change.

    Cached catalogue pages are keyed by it, so any web process sees an edit at
    once without sharing memory (DESIGN.md, Scale-out).
    """

    number = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("catalogue revision")

    def __str__(self) -> str:
        return str(self.number)
