"""Online payments: each attempt at a gateway, each refund, and every word the gateways sent us."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Payment(models.Model):
    """One attempt to collect an order's money through an online gateway.

    ``reference`` is ours and unique (Stripe's client_reference_id, Alipay's and
    WeChat Pay's out_trade_no); ``gateway_reference`` is the gateway's own id
    (a Checkout Session, trade_no or transaction_id). Only a verified
    notification or a server-side query moves ``status`` (never the browser).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment status", "Waiting for payment")
        SUCCEEDED = "succeeded", pgettext_lazy("payment status", "Succeeded")
        FAILED = "failed", pgettext_lazy("payment status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    reference = models.CharField(pgettext_lazy("payment", "reference"), max_length=32, unique=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=128, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(
        _("amount refunded"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    redirect_url = models.URLField(_("payment page"), max_length=2000, blank=True)
    qr_code = models.CharField(_("QR code content"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    # Money that arrived for an order already cancelled or paid by another attempt: it is
    # never applied to the order and is refunded automatically.
    surplus = models.BooleanField(
        _("surplus"),
        default=False,
        help_text=_("Paid after the order was cancelled or paid otherwise; refunded automatically."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payments_payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed", "cancelled"]),
                name="payments_payment_status_valid",
            ),
        ]
        indexes = [
            # sync_payments scans only pending attempts.
            models.Index(fields=["created_at"], name="payments_pending", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.amount_refunded if self.status == self.Status.SUCCEEDED else Decimal("0.00")


class Refund(models.Model):
    """Money sent back for a payment, in full or in part, through the gateway's refund API."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("refund status", "Processing")
        SUCCEEDED = "succeeded", pgettext_lazy("refund status", "Refunded")
        FAILED = "failed", pgettext_lazy("refund status", "Failed")

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    reference = models.CharField(pgettext_lazy("payment", "reference"), max_length=40, unique=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=128, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="payments_refund_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentEvent(models.Model):
    """Everything a gateway told us or we asked it, verified or refused, with secrets removed."""

    class Kind(models.TextChoices):
        CHECKOUT = "checkout", pgettext_lazy("payment event", "Payment started")
        NOTIFICATION = "notification", pgettext_lazy("payment event", "Notification")
        QUERY = "query", pgettext_lazy("payment event", "Status query")
        REFUND = "refund", pgettext_lazy("payment event", "Refund request")

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("payment event", "Accepted")
        DUPLICATE = "duplicate", pgettext_lazy("payment event", "Duplicate (acknowledged)")
        REJECTED = "rejected", pgettext_lazy("payment event", "Refused")
        ERROR = "error", pgettext_lazy("payment event", "Gateway error")

    provider = models.CharField(_("provider"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The gateway's id of an accepted notification: the same id is applied once.
    event_id = models.CharField(_("event id"), max_length=128, null=True, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("reported status"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    payload = models.JSONField(_("payload (secrets removed)"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=Q(verdict="accepted"),
                name="payments_event_applied_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.verdict}"
