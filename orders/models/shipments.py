"""The parcels an order leaves in: each with its carrier, tracking number and what is inside."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Order, OrderLine
from orders.models.shipping import Carrier


class Shipment(models.Model):
    """One parcel handed to a carrier; an order ships in one or several."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="shipments"
    )
    # Empty only for parcels of orders shipped before carriers were data, whose typed name
    # matched none (``carrier_name`` keeps it).
    carrier = models.ForeignKey(
        Carrier,
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    carrier_name = models.CharField(_("carrier name"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number}"

    @property
    def carrier_display_name(self) -> str:
        return self.carrier.display_name if self.carrier is not None else self.carrier_name

    @property
    def tracking_url(self) -> str:
        """The carrier's page for this parcel, or "" when its carrier is not known."""
        return self.carrier.tracking_url(self.tracking_number) if self.carrier is not None else ""


class ShipmentLine(models.Model):
    """How many units of one order line went in a parcel."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_shipment_line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="orders_shipment_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.sku}"
