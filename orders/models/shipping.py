"""How an order can ship: the shipping methods offered at checkout, what each costs, and the carriers."""

from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ShippingMethod(models.Model):
    """A way to ship, priced per order; free above a subtotal when ``free_above`` is set."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    free_above = models.DecimalField(
        _("free above"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Orders whose subtotal reaches this amount ship free. Leave empty for never."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="orders_shipping_price_non_negative"),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="orders_shipping_free_above_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def price_for(self, subtotal: Decimal) -> Decimal:
        """What this method costs for an order of ``subtotal``."""
        if self.free_above is not None and subtotal >= self.free_above:
            return Decimal("0.00")
        return self.price


def tracking_url_template_validate(value: str) -> None:
    """A carrier's tracking page address: https, with ``{number}`` where the tracking number goes."""
    if not value.startswith("https://"):
        raise ValidationError(_("The tracking address must start with https://."), code="not_https")
    if "{number}" not in value:
        raise ValidationError(
            _("The tracking address must contain {number} where the tracking number goes."),
            code="no_placeholder",
        )
    # Any other brace would make the address depend on more than the number.
    if value.replace("{number}", "").count("{") or value.replace("{number}", "").count("}"):
        raise ValidationError(
            _("The tracking address may contain no braces other than {number}."), code="stray_brace"
        )
    URLValidator(schemes=["https"])(value.replace("{number}", "0"))


class Carrier(models.Model):
    """A courier parcels go out with, and the page where a shopper follows one by its number."""

    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    tracking_url_template = models.CharField(
        _("tracking address"),
        max_length=500,
        validators=[tracking_url_template_validate],
        help_text=_("An https address with {number} where the tracking number goes."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: the Chinese one for Chinese when there is one."""
        if self.name_zh and (get_language() or "").lower().startswith("zh"):
            return self.name_zh
        return self.name

    def tracking_url(self, number: str) -> str:
        """The carrier's tracking page for ``number`` (quoted, so it cannot change the address)."""
        return self.tracking_url_template.replace("{number}", quote(number, safe=""))
