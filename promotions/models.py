"""Coupons and automatic promotions (spend-and-save tiers, a percentage off some products).

A variant's own sale price lives in catalog (``Variant.sale_price``): catalogue pages show it.
What a discount comes to for a cart is worked out by ``promotions.pricing``.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from promotions.codes import CODE_MAX_LENGTH


class WindowStatus(models.TextChoices):
    """Where a coupon or promotion stands at a moment, as staff read it (see ``status_at``)."""

    LIVE = "live", pgettext_lazy("promotion status", "Live")
    SCHEDULED = "scheduled", pgettext_lazy("promotion status", "Scheduled")
    USED_UP = "used_up", pgettext_lazy("promotion status", "Used up")
    ENDED = "ended", pgettext_lazy("promotion status", "Ended")
    OFF = "off", pgettext_lazy("promotion status", "Switched off")


class _Window(models.Model):
    """A time window; either end may be open. Both ends are instants (shown in the shop's time zone)."""

    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True

    def is_live_at(self, moment) -> bool:
        """Active, and ``moment`` falls in [valid_from, valid_until)."""
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= moment)
            and (self.valid_until is None or moment < self.valid_until)
        )

    def status_at(self, moment) -> WindowStatus:
        """At ``moment``, the first that holds: ended, switched off, scheduled, else live.

        promotions.selectors filters the database in the same order.
        """
        if self.valid_until is not None and self.valid_until <= moment:
            return WindowStatus.ENDED
        if not self.is_active:
            return WindowStatus.OFF
        if self.valid_from is not None and moment < self.valid_from:
            return WindowStatus.SCHEDULED
        return WindowStatus.LIVE


class _Scoped(models.Model):
    """The products a coupon or promotion applies to: these, or those in these categories; none: all."""

    categories = models.ManyToManyField(
        "catalog.Category",
        verbose_name=_("categories"),
        blank=True,
        related_name="+",
        help_text=_("Only products in these categories (and their sub-categories). Empty: every product."),
    )
    products = models.ManyToManyField(
        "catalog.Product",
        verbose_name=_("products"),
        blank=True,
        related_name="+",
        help_text=_("Only these products, besides any categories chosen. Empty: every product."),
    )

    class Meta:
        abstract = True


def _window_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_from__isnull=True)
        | Q(valid_until__isnull=True)
        | Q(valid_until__gt=F("valid_from")),
        name=name,
    )


class Coupon(_Window, _Scoped):
    """A code a shopper types for a discount; at most one per order, after automatic promotions."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", pgettext_lazy("coupon kind", "Percentage off")
        FIXED = "fixed", pgettext_lazy("coupon kind", "Fixed amount off")
        FREE_SHIPPING = "free_shipping", pgettext_lazy("coupon kind", "Free shipping")

    # Stored in its canonical form (promotions.codes.coupon_code_canonical).
    code = models.CharField(pgettext_lazy("coupon", "code"), max_length=CODE_MAX_LENGTH, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERCENTAGE)
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_(
            "Percent for a percentage coupon, an amount for a fixed one; not used for free shipping."
        ),
    )
    max_discount = models.DecimalField(
        _("maximum discount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The most a percentage coupon takes off one order. Empty: no maximum."),
    )
    min_spend = models.DecimalField(
        _("minimum spend"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What the items the coupon applies to must come to, before discounts."),
    )
    uses_total = models.PositiveIntegerField(
        _("uses in all"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    uses_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    uses_per_customer = models.PositiveIntegerField(
        _("uses per customer"),
        null=True,
        blank=True,
        help_text=_("Counted by email address. Empty: no limit."),
    )
    first_order_only = models.BooleanField(_("first order only"), default=False)
    campaign = models.CharField(
        _("campaign"), max_length=100, blank=True, help_text=_("A label to find codes made together.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign"], name="promotions_coupon_campaign")]
        constraints = [
            _window_constraint("promotions_coupon_window"),
            models.CheckConstraint(condition=Q(value__gte=0), name="promotions_coupon_value_non_negative"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="promotions_coupon_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(max_discount__isnull=True) | Q(max_discount__gt=0),
                name="promotions_coupon_max_discount_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_spend__isnull=True) | Q(min_spend__gte=0),
                name="promotions_coupon_min_spend_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(uses_total__isnull=True) | Q(uses_count__lte=F("uses_total")),
                name="promotions_coupon_uses_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_used_up(self) -> bool:
        return self.uses_total is not None and self.uses_count >= self.uses_total

    def status_at(self, moment) -> WindowStatus:
        """As for any window, and used up once every use is taken while it would be live."""
        status = super().status_at(moment)
        if status == WindowStatus.LIVE and self.is_used_up:
            return WindowStatus.USED_UP
        return status


class CouponCustomerUse(models.Model):
    """How many orders one customer (canonical email) has placed with a coupon that limits them."""

    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.CASCADE, related_name="+")
    email_canonical = models.CharField(_("email"), max_length=254)
    uses = models.PositiveIntegerField(_("uses"), default=0)

    class Meta:
        verbose_name = _("coupon use by a customer")
        verbose_name_plural = _("coupon uses by customer")
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "email_canonical"], name="promotions_customer_use_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.email_canonical}: {self.uses}"


class Promotion(_Window, _Scoped):
    """An automatic discount, no code needed: spend-and-save tiers or a percentage off some products.

    Where several apply to one cart, the one worth most to the shopper is taken.
    """

    class Kind(models.TextChoices):
        SPEND_AND_SAVE = "spend_and_save", pgettext_lazy("promotion kind", "Spend and save")
        PERCENTAGE = "percentage", pgettext_lazy("promotion kind", "Percentage off")

    name = models.CharField(_("name"), max_length=120, help_text=_("Shown to shoppers in the cart."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SPEND_AND_SAVE)
    percent = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("For a percentage promotion."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("automatic promotion")
        verbose_name_plural = _("automatic promotions")
        ordering = ["-created_at", "-id"]
        constraints = [
            _window_constraint("promotions_promotion_window"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(percent__gt=0, percent__lte=100),
                name="promotions_promotion_percent_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PromotionTier(models.Model):
    """One step of a spend-and-save promotion: spend ``threshold`` on its products, save ``amount``."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="tiers"
    )
    threshold = models.DecimalField(_("spend at least"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("save"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "threshold"], name="promotions_tier_unique_threshold"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(threshold__gte=F("amount")),
                name="promotions_tier_amount_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold} -> {self.amount}"
