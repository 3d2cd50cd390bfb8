"""What became of an order and what it was sent: its append-only event history and its emails."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models.orders import Order


class OrderEvent(models.Model):
    """Append-only history of an order: who changed what, from which state to which, when."""

    class Kind(models.TextChoices):
        PLACED = "placed", pgettext_lazy("order event", "Placed")
        CONFIRMED = "confirmed", pgettext_lazy("order event", "Confirmed")
        PAID = "paid", pgettext_lazy("order event", "Payment received")
        SHIPPED = "shipped", pgettext_lazy("order event", "Shipped")
        DELIVERED = "delivered", pgettext_lazy("order event", "Delivered")
        RECEIVED = "received", pgettext_lazy("order event", "Receipt confirmed")
        CANCELLED = "cancelled", pgettext_lazy("order event", "Cancelled")
        RESTOCKED = "restocked", pgettext_lazy("order event", "Stock returned")
        REFUNDED = "refunded", pgettext_lazy("order event", "Refunded")
        FAPIAO_REQUESTED = "fapiao_requested", pgettext_lazy("order event", "Fapiao requested")
        FAPIAO_ISSUED = "fapiao_issued", pgettext_lazy("order event", "Fapiao issued")
        AFTER_SALES = "after_sales", pgettext_lazy("order event", "After-sales")
        PAYMENT_METHOD = "payment_method", pgettext_lazy("order event", "Payment method changed")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_state = models.CharField(_("from state"), max_length=32, blank=True)
    to_state = models.CharField(_("to state"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class OutboundEmail(models.Model):
    """One order email and its delivery: staff see here which mail failed and why."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", pgettext_lazy("order email", "Order confirmation")
        PAID = "paid", pgettext_lazy("order email", "Payment received")
        SHIPPED = "shipped", pgettext_lazy("order email", "Shipped")
        CANCELLED = "cancelled", pgettext_lazy("order email", "Cancelled")
        REFUNDED = "refunded", pgettext_lazy("order email", "Refunded")
        STAFF_NEW_ORDER = "staff_new_order", pgettext_lazy("order email", "New order (staff)")
        FAPIAO_ISSUED = "fapiao_issued", pgettext_lazy("order email", "Fapiao issued")
        # Written by a higher app (after-sales), built by the builder it registers for the kind.
        AFTER_SALES = "after_sales", pgettext_lazy("order email", "After-sales update")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("email status", "Queued")
        RETRYING = "retrying", pgettext_lazy("email status", "Retrying")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")

    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    to_email = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=16)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    # What an email of a registered kind is about beyond its order (ids and a step), for its builder.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="orders_email_status")]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.to_email}"
