from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
    # Units of the product (all its variants together) one order may hold: keeps one shopper
    # from buying up the stock. Blank means the shop's ORDER_MAX_PER_PRODUCT.
    max_per_order = models.PositiveIntegerField(
        _("maximum per order"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How many units of this product, all variants together, one order may hold. "
            "Leave blank for the shop's default."
        ),
    )
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
        constraints = [
            models.CheckConstraint(
                condition=Q(max_per_order__isnull=True) | Q(max_per_order__gte=1),
                name="catalog_product_max_per_order_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", kwargs={"slug": self.slug})

    @property
    def order_quantity_max(self) -> int | None:
        """Units of this product one order may hold, or None when the shop sets no cap."""
        if self.max_per_order is not None:
            return self.max_per_order
        return settings.ORDER_MAX_PER_PRODUCT if settings.ORDER_MAX_PER_PRODUCT > 0 else None


class Variant(models.Model):
    """A stock-keeping unit: its own SKU, option values, price and stock."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="variants"
    )
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    # Option name -> value, e.g. {"Size": "M", "Colour": "Blue"}; empty for a simple product.
    options = models.JSONField(_("options"), default=dict, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    # A sale: while the window is open (from its start, inclusive, to its end, exclusive; either
    # side may be open), shoppers see and pay the sale price with the price struck through.
    sale_price = models.DecimalField(_("sale price"), max_digits=12, decimal_places=2, null=True, blank=True)
    sale_starts_at = models.DateTimeField(_("sale starts"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("sale ends"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(sale_price__isnull=True) | Q(sale_price__gte=0, sale_price__lt=F("price")),
                name="catalog_variant_sale_price_below_price",
                violation_error_message=_("The sale price must be below the price."),
            ),
            models.CheckConstraint(
                condition=Q(sale_starts_at__isnull=True)
                | Q(sale_ends_at__isnull=True)
                | Q(sale_ends_at__gt=F("sale_starts_at")),
                name="catalog_variant_sale_ends_after_start",
                violation_error_message=_("The sale must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(sale_price__isnull=False)
                | Q(sale_starts_at__isnull=True, sale_ends_at__isnull=True),
                name="catalog_variant_sale_window_has_price",
                violation_error_message=_("Enter a sale price, or leave the sale times empty."),
            ),
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

    # Prices. The same rule in SQL: catalog.selectors.variant_price_at_expression.

    @property
    def regular_price(self) -> Decimal:
        """The price without any sale: what the sale price is shown against."""
        return self.price

    def is_on_sale_at(self, moment: datetime) -> bool:
        """Whether the sale price applies at ``moment`` (aware): from the sale's start, before its end."""
        return (
            self.sale_price is not None
            and (self.sale_starts_at is None or self.sale_starts_at <= moment)
            and (self.sale_ends_at is None or moment < self.sale_ends_at)
        )

    def price_at(self, moment: datetime) -> Decimal:
        """What one unit costs at ``moment``: the sale price while the sale is on, else the price."""
        return self.sale_price if self.is_on_sale_at(moment) else self.price

    @property
    def sale_moments(self) -> list[datetime]:
        """The moments at which this variant's price changes by itself (its sale's start and end)."""
        if self.sale_price is None:
            return []
        return [moment for moment in (self.sale_starts_at, self.sale_ends_at) if moment is not None]


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


class CatalogRevision(models.Model):
    """One row whose number changes with every catalogue change.

    Cached catalogue pages are keyed by it, so any web process sees an edit at
    once without sharing memory (docs/architecture.md, "Page caching and invalidation").
    """

    number = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("catalogue revision")

    def __str__(self) -> str:
        return str(self.number)


class CatalogScheduledChange(models.Model):
    """A moment at which cached catalogue pages change by themselves: a sale starts or ends.

    Each ``source`` (a variant's sale, a promotion of a higher app) keeps its
    own future moments here through ``catalog_schedule_set``. The revision
    query counts the moments passed, so every cache key changes the instant
    one passes, with no save and no job; passed rows are then folded into the
    revision (docs/architecture.md, "Page caching and invalidation").
    """

    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=100)

    class Meta:
        verbose_name = _("scheduled catalogue change")
        verbose_name_plural = _("scheduled catalogue changes")
        constraints = [
            # Also the index that replacing one source's moments uses.
            models.UniqueConstraint(fields=["source", "at"], name="catalog_scheduled_change_unique"),
        ]
        indexes = [
            # Every storefront request counts the passed rows and finds the next one.
            models.Index(fields=["at"], name="catalog_scheduled_change_at"),
        ]

    def __str__(self) -> str:
        return f"{self.source} @ {self.at.isoformat()}"


# Recommendations and merchandising ----------------------------------------------------------------


class ProductRecommendation(models.Model):
    """A precomputed "customers who bought this also bought" pair.

    Written only by ``product_recommendations_replace``, which swaps the whole
    table in one transaction; orders computes the rows from paid orders.
    """

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="recommendations",
        db_index=False,  # the (product, rank) constraint's index serves every read
    )
    recommended = models.ForeignKey(
        Product, verbose_name=_("recommended product"), on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.PositiveIntegerField(_("paid orders with both"))

    class Meta:
        verbose_name = _("product recommendation")
        verbose_name_plural = _("product recommendations")
        ordering = ["product_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["product", "rank"], name="catalog_rec_product_rank_unique"),
            models.UniqueConstraint(fields=["product", "recommended"], name="catalog_rec_pair_unique"),
            models.CheckConstraint(condition=~Q(recommended=F("product")), name="catalog_rec_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.recommended_id} (#{self.rank})"


class ProductPopularity(models.Model):
    """How well a product sells lately (paid orders); replaced with the recommendations."""

    product = models.OneToOneField(
        Product,
        verbose_name=_("product"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="popularity",
    )
    units_sold = models.PositiveIntegerField(_("units sold"))
    order_count = models.PositiveIntegerField(_("orders"))

    class Meta:
        verbose_name = _("product popularity")
        verbose_name_plural = _("product popularity")
        indexes = [models.Index(fields=["-units_sold"], name="catalog_popularity_units")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.units_sold}"


class RecommendationOverride(models.Model):
    """Staff's say over one product's recommendations: pin a product first, or never show it."""

    class Action(models.TextChoices):
        PIN = "pin", pgettext_lazy("recommendation override", "Pin")
        HIDE = "hide", pgettext_lazy("recommendation override", "Hide")

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="recommendation_overrides",
        db_index=False,  # the (product, recommended) constraint's index serves every read
    )
    recommended = models.ForeignKey(
        Product, verbose_name=_("recommended product"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, default=Action.PIN)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Pinned products show in this order, lowest first.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("recommendation pin or hide")
        verbose_name_plural = _("recommendation pins and hides")
        ordering = ["action", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "recommended"],
                name="catalog_rec_override_unique",
                violation_error_message=_("This product already has a pin or hide for that product."),
            ),
            models.CheckConstraint(
                condition=~Q(recommended=F("product")),
                name="catalog_rec_override_not_itself",
                violation_error_message=_("A product cannot recommend itself."),
            ),
            models.CheckConstraint(
                condition=Q(action__in=["pin", "hide"]), name="catalog_rec_override_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.recommended_id}"


class BackInStockRequest(models.Model):
    """A shopper's wish to get one email when a sold-out variant is back in stock."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("back-in-stock request", "Waiting")
        NOTIFIED = "notified", pgettext_lazy("back-in-stock request", "Notified")
        UNSUBSCRIBED = "unsubscribed", pgettext_lazy("back-in-stock request", "Unsubscribed")

    variant = models.ForeignKey(
        Variant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="back_in_stock_requests",
        db_index=False,  # the (variant, email) constraint's index serves every read
    )
    # Stored lower-cased, so one address asks once per variant whatever its spelling.
    email = models.EmailField(_("email"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    # Delivery of the one email (catalog.tasks.send_back_in_stock_email).
    sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("back-in-stock request")
        verbose_name_plural = _("back-in-stock requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "email"], name="catalog_back_in_stock_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "notified", "unsubscribed"]),
                name="catalog_back_in_stock_status_valid",
            ),
        ]
        indexes = [
            # Restocking looks for waiting requests only.
            models.Index(
                fields=["variant"], name="catalog_back_in_stock_pending", condition=Q(status="pending")
            ),
            models.Index(fields=["email"], name="catalog_back_in_stock_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.variant_id})"


class BestsellerProduct(Product):
    """Products as a sales report: staff's bestsellers by period (its admin lives in orders)."""

    class Meta:
        proxy = True
        verbose_name = _("bestseller")
        verbose_name_plural = _("bestsellers")


class BackInStockVariant(Variant):
    """Variants shoppers wait for: back-in-stock requests counted per variant, for staff."""

    class Meta:
        proxy = True
        verbose_name = _("back-in-stock demand")
        verbose_name_plural = _("back-in-stock demand by variant")
