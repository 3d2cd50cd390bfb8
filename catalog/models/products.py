"""Products and their variants, the units that are sold: SKU, options, price, sale and stock."""

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

from catalog.models.categories import Category

# Shoppers are told "only N left" at or below this stock.
LOW_STOCK_THRESHOLD = 5


class ReturnExemption(models.TextChoices):
    """Why a product has no seven-day no-reason return (Consumer Rights Protection Law, article 25)."""

    NONE = "", _("None: the seven-day no-reason return applies")
    CUSTOM = "custom", _("Made to the customer's order")
    PERISHABLE = "perishable", _("Fresh, live or perishable goods")
    DIGITAL = "digital", _("Digital goods once downloaded, or audio, video and software once unsealed")
    PERIODICAL = "periodical", _("Newspapers and periodicals")
    OTHER = "other", _("Not suited to return by its nature (the buyer confirms it when buying)")


# Products a listing may show: the predicate of the listing indexes, which every listing query repeats.
_LISTED = Q(is_active=True, listed_price__isnull=False)
_LISTED_IN_STOCK = _LISTED & Q(in_stock=True)


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
    # Shown on the product page and copied onto each order line: what was promised at purchase holds.
    return_exemption = models.CharField(
        _("no-reason return exemption"),
        max_length=16,
        choices=ReturnExemption.choices,
        default=ReturnExemption.NONE,
        blank=True,
        help_text=_("Only for goods the law exempts from the seven-day no-reason return."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept current by database triggers over name, description and the
    # variants' SKUs (see migrations 0002 and 0012), so every write path updates it.
    search_vector = SearchVectorField(null=True, editable=False)
    # Kept by database triggers on the variants and by the scheduled-change fold (migration
    # 0010): the lowest price a shopper pays now among active variants, NULL without one (so
    # also "has an active variant"), and whether an active variant has stock. Listings filter,
    # sort and paginate on these through the partial indexes below.
    listed_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, editable=False)
    in_stock = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_product_search_gin"),
            models.Index(fields=["is_active", "category"], name="catalog_product_active_cat"),
            models.Index(fields=["-created_at"], name="catalog_product_newest"),
            models.Index(fields=["name", "id"], name="catalog_product_list_name", condition=_LISTED),
            models.Index(
                fields=["listed_price", "name", "id"], name="catalog_product_list_price", condition=_LISTED
            ),
            models.Index(
                fields=["-listed_price", "name", "id"],
                name="catalog_product_list_price_dn",
                condition=_LISTED,
            ),
            models.Index(fields=["created_at", "id"], name="catalog_product_list_newest", condition=_LISTED),
            models.Index(
                fields=["created_at", "id"], name="catalog_product_list_in_stock", condition=_LISTED_IN_STOCK
            ),
            # A category's own range of each sort: a category page reads each of its categories here
            # and merges them (catalog.paging), never walking past other categories' rows.
            models.Index(
                fields=["category", "name", "id"], name="catalog_product_cat_name", condition=_LISTED
            ),
            models.Index(
                fields=["category", "listed_price", "name", "id"],
                name="catalog_product_cat_price",
                condition=_LISTED,
            ),
            models.Index(
                fields=["category", "-listed_price", "name", "id"],
                name="catalog_product_cat_price_dn",
                condition=_LISTED,
            ),
            models.Index(
                fields=["category", "created_at", "id"], name="catalog_product_cat_newest", condition=_LISTED
            ),
            models.Index(
                fields=["created_at", "id"],
                name="catalog_product_list_featured",
                condition=_LISTED_IN_STOCK & Q(is_featured=True),
            ),
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
    # Packed, as shipping rates weigh it; empty counts as SHIPPING_DEFAULT_WEIGHT_GRAMS.
    weight_grams = models.PositiveIntegerField(
        _("weight (g)"),
        null=True,
        blank=True,
        help_text=_("Packed weight in grams, for shipping rates. Leave empty for the shop's default."),
    )
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

    # Prices. The same rule in SQL: catalog.selectors.product_card_annotate.

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
