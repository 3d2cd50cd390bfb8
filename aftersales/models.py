"""After-sales (售后): a shopper's request to return, be refunded for or exchange what an order delivered."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import ORDER_NUMBER_ALPHABET
from shop.uploads import private_upload_path

REQUEST_NUMBER_PREFIX = "AS"
REQUEST_NUMBER_LENGTH = 8


def request_number_generate() -> str:
    """A random, non-sequential request number such as ``AS7KQ2XH9A`` (no look-alike characters)."""
    return REQUEST_NUMBER_PREFIX + get_random_string(REQUEST_NUMBER_LENGTH, ORDER_NUMBER_ALPHABET)


def photo_upload_to(instance: "AfterSalesPhoto", filename: str) -> str:
    return private_upload_path("aftersales/photos", filename)


class AfterSalesRequest(models.Model):
    """One request about some of an order's lines: what the shopper wants, why, and where it stands."""

    class Kind(models.TextChoices):
        RETURN = "return", pgettext_lazy("after-sales kind", "Return for a refund")
        REFUND = "refund", pgettext_lazy("after-sales kind", "Refund without return")
        EXCHANGE = "exchange", pgettext_lazy("after-sales kind", "Exchange")

    class Reason(models.TextChoices):
        CHANGED_MIND = (
            "changed_mind",
            pgettext_lazy("after-sales reason", "No longer wanted (no reason needed)"),
        )
        WRONG_SIZE = "wrong_size", pgettext_lazy("after-sales reason", "Wrong size or fit")
        FAULTY = "faulty", pgettext_lazy("after-sales reason", "Faulty or does not work")
        NOT_AS_DESCRIBED = "not_as_described", pgettext_lazy("after-sales reason", "Not as described")
        WRONG_ITEM = "wrong_item", pgettext_lazy("after-sales reason", "Wrong item sent")
        DAMAGED = "damaged", pgettext_lazy("after-sales reason", "Damaged on arrival")
        MISSING = "missing", pgettext_lazy("after-sales reason", "Items or parts missing")
        NOT_RECEIVED = "not_received", pgettext_lazy("after-sales reason", "Parcel not received")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("after-sales status", "Waiting for review")
        APPROVED = "approved", pgettext_lazy("after-sales status", "Approved")
        RETURNING = "returning", pgettext_lazy("after-sales status", "On its way back")
        RECEIVED = "received", pgettext_lazy("after-sales status", "Received by us")
        REFUNDING = "refunding", pgettext_lazy("after-sales status", "Refund in progress")
        REFUNDED = "refunded", pgettext_lazy("after-sales status", "Refunded")
        EXCHANGED = "exchanged", pgettext_lazy("after-sales status", "Replacement sent")
        REJECTED = "rejected", pgettext_lazy("after-sales status", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("after-sales status", "Withdrawn")
        CLOSED = "closed", pgettext_lazy("after-sales status", "Closed")

    # A request in one of these states is over: nothing moves it again.
    FINAL_STATUSES = frozenset({"refunded", "exchanged", "rejected", "withdrawn", "closed"})
    # Units in a request in one of these states cannot be asked for again.
    INACTIVE_STATUSES = frozenset({"rejected", "withdrawn"})

    number = models.CharField(_("request number"), max_length=16, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="after_sales_requests",
    )
    kind = models.CharField(_("what the customer wants"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    description = models.TextField(_("customer's description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    # Approval: where and how the goods go back (shown to the customer), or why not.
    return_address = models.TextField(_("return address"), blank=True)
    return_instructions = models.TextField(_("return instructions"), blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    # Why staff closed the request (the customer reads it on the order page and in the email).
    closing_note = models.TextField(_("why it was closed"), blank=True)
    # The customer's parcel back to us.
    return_carrier = models.CharField(_("return carrier"), max_length=100, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=100, blank=True)
    # The refund: its amount (set when it starts), whether shipping is in it, and how it was sent.
    refund_amount = models.DecimalField(
        _("refund amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    refund_shipping = models.DecimalField(
        _("shipping refunded"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # The payments app's refund through the gateway, or the reference staff typed for an offline one.
    refund = models.ForeignKey(
        "payments.Refund",
        verbose_name=_("gateway refund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refund_reference = models.CharField(_("refund reference"), max_length=100, blank=True)
    # The replacement parcel of an exchange.
    exchange_carrier = models.CharField(_("replacement carrier"), max_length=100, blank=True)
    exchange_tracking_number = models.CharField(_("replacement tracking number"), max_length=100, blank=True)
    ticket = models.ForeignKey(
        "support.Ticket",
        verbose_name=_("support ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A hash of the review page's token: the same reviewed request sent twice (a double click, the
    # back button) makes one request.
    submit_token = models.CharField(
        _("submission token"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the returned goods arrived, and when the request ended (any final state).
    goods_received_at = models.DateTimeField(_("goods received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["return", "refund", "exchange"]), name="aftersales_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "approved",
                        "returning",
                        "received",
                        "refunding",
                        "refunded",
                        "exchanged",
                        "rejected",
                        "withdrawn",
                        "closed",
                    ]
                ),
                name="aftersales_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gt=0),
                name="aftersales_request_refund_positive",
            ),
            models.CheckConstraint(
                condition=Q(refund_shipping__gte=0), name="aftersales_request_refund_shipping_non_negative"
            ),
        ]
        indexes = [
            # The staff queue: open requests, oldest first.
            models.Index(
                fields=["status", "created_at"],
                name="aftersales_request_open",
                condition=~Q(status__in=["refunded", "exchanged", "rejected", "withdrawn", "closed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def refund_from_status(self) -> str:
        """The state its refund starts from (and returns to when a gateway refuses it)."""
        return self.Status.APPROVED if self.kind == self.Kind.REFUND else self.Status.RECEIVED

    @property
    def refund_due(self) -> bool:
        """Whether the request waits for its refund now (staff decide the money)."""
        return self.status == self.refund_from_status

    @property
    def needs_goods_back(self) -> bool:
        """Whether the customer sends the goods back (a return or an exchange)."""
        return self.kind != self.Kind.REFUND


class AfterSalesLine(models.Model):
    """Units of one order line in a request, what came back to stock and what was refunded for them."""

    request = models.ForeignKey(
        AfterSalesRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    # Set once, when staff receive the goods: units put back in stock.
    restocked_quantity = models.PositiveIntegerField(_("restocked"), default=0)
    # What was paid for these units (the line's discounts shared by unit), set when the refund starts.
    refund_amount = models.DecimalField(
        _("refund amount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # An exchange: the option the customer wants instead (a variant of the same product).
    exchange_variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("exchange for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "order_line"], name="aftersales_line_once_per_request"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="aftersales_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(restocked_quantity__lte=F("quantity")),
                name="aftersales_line_restock_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="aftersales_line_refund_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


class AfterSalesPhoto(models.Model):
    """A photo the customer sent with the request (private: served only to them and to staff)."""

    request = models.ForeignKey(
        AfterSalesRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=photo_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class AfterSalesEvent(models.Model):
    """Append-only history of a request: who moved it from which state to which, when, and why."""

    request = models.ForeignKey(
        AfterSalesRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
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
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.from_status} -> {self.to_status}"
