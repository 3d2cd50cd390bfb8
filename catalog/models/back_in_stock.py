"""Shoppers waiting for a sold-out variant: their requests, and the demand per variant for staff."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models.products import Variant


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


class BackInStockVariant(Variant):
    """Variants shoppers wait for: back-in-stock requests counted per variant, for staff."""

    class Meta:
        proxy = True
        verbose_name = _("back-in-stock demand")
        verbose_name_plural = _("back-in-stock demand by variant")
