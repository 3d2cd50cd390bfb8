"""How an order can ship: the shipping methods offered at checkout, what each costs, and the carriers."""

from decimal import Decimal
from urllib.parse import quote

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orders.shipping_rates import RateKind, RateRule


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


class ShippingZone(models.Model):
    """Places rates are set for: mainland provinces (by division code) or countries.

    An address belongs to the first zone, by position, that holds its province (mainland
    China) or its country; a zone listing China covers the provinces no earlier zone holds.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    provinces = ArrayField(
        models.CharField(max_length=6), verbose_name=_("provinces"), default=list, blank=True
    )
    countries = ArrayField(
        models.CharField(max_length=2), verbose_name=_("countries or regions"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.provinces and not self.countries:
            raise ValidationError(_("Choose the provinces or the countries this zone holds."), code="empty")
        if self.provinces and self.countries:
            raise ValidationError(
                _("A zone holds either provinces or countries, not both; make two zones."), code="mixed"
            )


def _money(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


class ShippingRate(models.Model):
    """What one shipping method costs in one zone, or that it does not deliver there.

    A method with no rates costs its own price everywhere; one with rates delivers only to
    zones where it has a rate that delivers (orders.shipping_rates decides the price).
    """

    class Kind(models.TextChoices):
        FLAT = RateKind.FLAT, _("Flat price")
        WEIGHT = RateKind.WEIGHT, _("First weight plus each additional unit")
        NOT_DELIVERED = RateKind.NOT_DELIVERED, _("Does not deliver here")

    method = models.ForeignKey(
        ShippingMethod, verbose_name=_("shipping method"), on_delete=models.CASCADE, related_name="rates"
    )
    zone = models.ForeignKey(
        ShippingZone, verbose_name=_("shipping zone"), on_delete=models.CASCADE, related_name="rates"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FLAT)
    price = _money(
        _("price"), null=True, blank=True, help_text=_("The flat price, or the price of the first weight.")
    )
    first_weight_grams = models.PositiveIntegerField(
        _("first weight (g)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    additional_unit_grams = models.PositiveIntegerField(
        _("additional unit (g)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Each unit begun beyond the first weight is charged in full."),
    )
    additional_unit_price = _money(_("price per additional unit"), null=True, blank=True)
    free_above = _money(
        _("free above"),
        null=True,
        blank=True,
        help_text=_("Goods after discounts reaching this amount ship free (the surcharge still applies)."),
    )
    surcharge = _money(
        _("remote surcharge"), default=Decimal("0.00"), help_text=_("Added to the price in this zone.")
    )

    class Meta:
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        ordering = ["zone__position", "zone_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "zone"],
                name="orders_shipping_rate_one_per_zone",
                violation_error_message=_("This method already has a rate for this zone."),
            ),
            models.CheckConstraint(
                condition=(Q(price__isnull=True) | Q(price__gte=0))
                & (Q(additional_unit_price__isnull=True) | Q(additional_unit_price__gte=0))
                & (Q(free_above__isnull=True) | Q(free_above__gte=0))
                & Q(surcharge__gte=0),
                name="orders_shipping_rate_money_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RateKind.FLAT) | Q(price__isnull=False),
                name="orders_shipping_rate_flat_has_price",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RateKind.WEIGHT)
                | Q(
                    price__isnull=False,
                    first_weight_grams__gt=0,
                    additional_unit_grams__gt=0,
                    additional_unit_price__isnull=False,
                ),
                name="orders_shipping_rate_weight_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} / {self.zone}"

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.kind == self.Kind.FLAT and self.price is None:
            errors["price"] = ValidationError(_("Enter the flat price."), code="missing")
        if self.kind == self.Kind.WEIGHT:
            needed = {
                "price": _("Enter the price of the first weight."),
                "first_weight_grams": _("Enter the first weight in grams."),
                "additional_unit_grams": _("Enter the additional unit in grams."),
                "additional_unit_price": _("Enter the price per additional unit."),
            }
            for name, message in needed.items():
                if getattr(self, name) is None:
                    errors[name] = ValidationError(message, code="missing")
        if errors:
            raise ValidationError(errors)

    @property
    def rule(self) -> RateRule:
        """The rate as the price calculation reads it."""
        return RateRule(
            kind=self.kind,
            price=self.price,
            first_weight_grams=self.first_weight_grams,
            additional_unit_grams=self.additional_unit_grams,
            additional_unit_price=self.additional_unit_price,
            free_above=self.free_above,
            surcharge=self.surcharge,
        )


def tracking_url_template_validate(value: str) -> None:
    """A carrier's tracking page address: https, with ``{number}`` where the tracking number goes."""
    if not value.startswith("https://"):
        raise ValidationError(_("The tracking address must start with https://."), code="not_https")
    if "{number}" not in value:
        raise ValidationError(
            _("The tracking address must contain {number} where the tracking number goes."),
            code="no_number",
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
