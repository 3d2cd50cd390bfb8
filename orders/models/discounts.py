"""The discounts an order got at checkout (a promotion, a coupon) and each line's share of them."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Order, OrderLine


class OrderDiscount(models.Model):
    """A discount an order got, as it was at checkout: an automatic promotion or a coupon.

    ``amount`` came off the goods (shared out over the lines in ``shares``);
    ``shipping_amount`` off the shipping (a free-shipping coupon). A coupon's row
    stands for the use it took: ``use_returned_at`` says when cancelling the unpaid
    order gave that use back, so it is given back once.
    """

    class Source(models.TextChoices):
        PROMOTION = "promotion", pgettext_lazy("discount source", "Promotion")
        COUPON = "coupon", pgettext_lazy("discount source", "Coupon")

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="discounts"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    promotion = models.ForeignKey(
        "promotions.Promotion",
        verbose_name=_("automatic promotion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    coupon = models.ForeignKey(
        "promotions.Coupon",
        verbose_name=_("coupon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The promotion's name or the coupon's code as it was, kept when either is renamed or deleted.
    label = models.CharField(_("label"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_amount = models.DecimalField(
        _("off shipping"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    use_returned_at = models.DateTimeField(_("use given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        ordering = ["id"]
        constraints = [
            # The automatic promotion first, then at most one coupon (docs/architecture.md, "Discounts").
            models.UniqueConstraint(fields=["order", "source"], name="orders_discount_one_per_source"),
            models.CheckConstraint(
                condition=Q(source="promotion", coupon__isnull=True)
                | Q(source="coupon", promotion__isnull=True),
                name="orders_discount_source_matches",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="orders_discount_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0), name="orders_discount_shipping_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} -{self.amount}"

    @property
    def title(self) -> str:
        """What the shopper and staff read: the promotion's name, or "Coupon CODE" (translated)."""
        if self.source == self.Source.COUPON:
            return gettext("Coupon %(code)s") % {"code": self.label}
        return self.label


class OrderLineDiscount(models.Model):
    """One line's share of one of the order's discounts; the shares of a discount add up to its amount."""

    order_discount = models.ForeignKey(
        OrderDiscount, verbose_name=_("discount"), on_delete=models.CASCADE, related_name="shares"
    )
    line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="discount_shares"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("share of a discount")
        verbose_name_plural = _("shares of discounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order_discount", "line"], name="orders_line_discount_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_line_discount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: -{self.amount}"
