"""How an order can ship: the shipping methods offered at checkout and what each costs."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
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
