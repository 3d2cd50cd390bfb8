"""Recommendations and merchandising: "also bought" pairs, popularity, staff's pins and hides, bestsellers."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models.products import Product


class ProductRecommendation(models.Model):
    """A precomputed "customers who bought this also bought" pair.

    Written only by ``product_recommendations_rebuild``, which builds a fresh
    table and swaps it in; orders computes the rows from paid orders.
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


class BestsellerProduct(Product):
    """Products as a sales report: staff's bestsellers by period (its admin lives in orders)."""

    class Meta:
        proxy = True
        verbose_name = _("bestseller")
        verbose_name_plural = _("bestsellers")
