"""The order and its lines, frozen at checkout, with the order number and the guest link's token."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import ReturnExemption
from orders.models.shipping import ShippingMethod
from orders.payment_methods import PaymentProvider, payment_provider_get
from shop.addresses import PostalAddress
from shop.identity import email_canonical

# No 0/O, 1/I/L: numbers are read out over the phone and typed from paper.
ORDER_NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ORDER_NUMBER_PREFIX = "MP"
ORDER_NUMBER_LENGTH = 8


def order_number_generate() -> str:
    """A random, non-sequential order number such as ``MP7KQ2XH9A``."""
    return ORDER_NUMBER_PREFIX + get_random_string(ORDER_NUMBER_LENGTH, ORDER_NUMBER_ALPHABET)


def access_token_generate() -> str:
    """The unguessable secret in a guest's order link."""
    return secrets.token_urlsafe(32)


class Order(PostalAddress):
    """A placed order: a snapshot of what was bought, where it goes and how it is paid."""

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", pgettext_lazy("payment status", "Unpaid")
        PAID = "paid", pgettext_lazy("payment status", "Paid")
        REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")

    class FulfilmentStatus(models.TextChoices):
        UNFULFILLED = "unfulfilled", pgettext_lazy("fulfilment status", "Unfulfilled")
        PARTLY_SHIPPED = "partly_shipped", pgettext_lazy("fulfilment status", "Partly shipped")
        SHIPPED = "shipped", pgettext_lazy("fulfilment status", "Shipped")
        DELIVERED = "delivered", pgettext_lazy("fulfilment status", "Delivered")

    class Status(models.TextChoices):
        """What a shopper reads, derived from the payment and fulfilment states."""

        PENDING_PAYMENT = "pending_payment", pgettext_lazy("order status", "Pending payment")
        AWAITING_SHIPMENT = "awaiting_shipment", pgettext_lazy("order status", "Awaiting shipment")
        PARTLY_SHIPPED = "partly_shipped", pgettext_lazy("order status", "Partly shipped")
        SHIPPED = "shipped", pgettext_lazy("order status", "Shipped")
        COMPLETED = "completed", pgettext_lazy("order status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
        REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")

    number = models.CharField(_("order number"), max_length=16, unique=True, editable=False)
    checkout_token = models.UUIDField(_("checkout token"), unique=True, editable=False)
    access_token = models.CharField(_("access token"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField(_("email"), max_length=254)
    # Kept in step by save(): guest orders are matched to an account by it (shop.identity).
    email_canonical = models.CharField(
        _("canonical email address"), max_length=254, blank=True, editable=False
    )
    full_name = models.CharField(_("full name"), max_length=150)
    note = models.TextField(_("note"), blank=True)
    # A keyed hash of the IP the order was placed from (shop.ratelimit), never the address itself:
    # enough to count one client's orders per hour, useless to anyone who reads the table.
    client_ip_hash = models.CharField(_("client IP hash"), max_length=64, blank=True, editable=False)

    shipping_method = models.ForeignKey(
        ShippingMethod,
        verbose_name=_("shipping method"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    shipping_method_name = models.CharField(_("shipping method name"), max_length=100)
    payment_method = models.CharField(_("payment method"), max_length=32)
    payment_status = models.CharField(
        _("payment status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    fulfilment_status = models.CharField(
        _("fulfilment status"),
        max_length=16,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.UNFULFILLED,
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When staff confirmed a cash-on-delivery order (orders.services.order_confirm); one left
    # unconfirmed for COD_CONFIRM_HOURS is cancelled by the cancel_unpaid_orders job.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # When the goods arrived: the shopper confirmed receipt, staff marked the order delivered,
    # or complete_shipped_orders completed it ORDER_AUTO_COMPLETE_DAYS after its last parcel.
    # The after-sales window starts here.
    received_at = models.DateTimeField(pgettext_lazy("order", "received at"), null=True, blank=True)
    # The latest parcel's carrier name and number (every parcel is a Shipment); ``shipping_carrier``
    # is its carrier row when there is one (orders shipped before carriers were data keep the name).
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    shipping_carrier = models.ForeignKey(
        "orders.Carrier",
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)

    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # What the promotion and the coupon took off the goods: the sum of the order's discounts.
    discount_total = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    shipping_total = models.DecimalField(
        _("shipping"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # What a free-shipping coupon took off ``shipping_total`` (the shipping price as charged before it).
    shipping_discount = models.DecimalField(
        _("shipping discount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    grand_total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0.00"))

    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Not stored: True only on the instance order_place returns from the call
    # that created the order (a repeated submit gets the order with False).
    placed_now = False

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        # Money-moving actions in the admin (mark paid, cancel, refund) need this beyond change_order.
        permissions = [("refund_order", "Can mark orders paid, cancel and refund them")]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="orders_order_subtotal_non_negative"),
            models.CheckConstraint(
                condition=Q(shipping_total__gte=0), name="orders_order_shipping_total_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_total__gte=0) & Q(discount_total__lte=F("subtotal")),
                name="orders_order_discount_within_subtotal",
            ),
            models.CheckConstraint(
                condition=Q(shipping_discount__gte=0) & Q(shipping_discount__lte=F("shipping_total")),
                name="orders_order_shipping_discount_within_shipping",
            ),
            models.CheckConstraint(
                condition=Q(
                    grand_total=F("subtotal")
                    - F("discount_total")
                    + F("shipping_total")
                    - F("shipping_discount")
                ),
                name="orders_order_grand_total_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(payment_status__in=["unpaid", "paid", "refunded"]),
                name="orders_order_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment_status__in=["unfulfilled", "partly_shipped", "shipped", "delivered"]),
                name="orders_order_fulfilment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="orders_order_user_newest"),
            # Guest orders are found by the canonical form of their email; checkout counts
            # an address's orders of the last hour by it, and a client's by its IP hash.
            models.Index(fields=["email_canonical", "created_at"], name="orders_order_email_recent"),
            models.Index(fields=["client_ip_hash", "created_at"], name="orders_order_client_ip_recent"),
            # The order list's search finds an order by its phone (stored in E.164), and its
            # payment and fulfilment filters and the shopper-facing status filter count and page
            # by the two states (a rare state must not read every order).
            models.Index(fields=["phone"], name="orders_order_phone"),
            models.Index(fields=["fulfilment_status", "payment_status"], name="orders_order_states"),
            # The cancelled filter (and the cancelled status) pages and counts the few cancelled orders.
            models.Index(
                fields=["created_at"], name="orders_order_cancelled", condition=Q(cancelled_at__isnull=False)
            ),
            # The cancel_unpaid_orders job scans only open unpaid orders.
            models.Index(
                fields=["created_at"],
                name="orders_order_unpaid_open",
                condition=Q(
                    payment_status="unpaid", fulfilment_status="unfulfilled", cancelled_at__isnull=True
                ),
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        self.email_canonical = email_canonical(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_canonical"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    def get_access_url(self) -> str:
        """The order page with its secret token: works for guests, as in the emails."""
        return f"{self.get_absolute_url()}?token={self.access_token}"

    def get_absolute_access_url(self) -> str:
        return settings.SITE_URL + self.get_access_url()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def has_discounts(self) -> bool:
        """Whether anything came off the goods or the shipping (then its discounts are worth reading)."""
        return bool(self.discount_total or self.shipping_discount)

    @property
    def can_confirm_receipt(self) -> bool:
        """Whether the shopper may confirm receipt now: everything shipped, nothing received yet."""
        return (
            not self.is_cancelled
            and self.fulfilment_status == self.FulfilmentStatus.SHIPPED
            and self.received_at is None
        )

    @property
    def tracking_url(self) -> str:
        """The carrier's page for this order's parcel, or "" when its carrier is not known."""
        if self.shipping_carrier is None or not self.tracking_number:
            return ""
        return self.shipping_carrier.tracking_url(self.tracking_number)

    @property
    def payment_provider(self) -> PaymentProvider | None:
        return payment_provider_get(self.payment_method)

    @property
    def payment_method_name(self) -> str:
        provider = self.payment_provider
        return str(provider.name) if provider is not None else self.payment_method

    @property
    def display_status(self) -> "Order.Status":
        """The one status a shopper reads, from payment and fulfilment together."""
        if self.payment_status == self.PaymentStatus.REFUNDED:
            return self.Status.REFUNDED
        if self.is_cancelled:
            return self.Status.CANCELLED
        paid = self.payment_status == self.PaymentStatus.PAID
        if self.fulfilment_status == self.FulfilmentStatus.DELIVERED:
            return self.Status.COMPLETED if paid else self.Status.PENDING_PAYMENT
        if self.fulfilment_status == self.FulfilmentStatus.SHIPPED:
            return self.Status.SHIPPED
        if self.fulfilment_status == self.FulfilmentStatus.PARTLY_SHIPPED:
            return self.Status.PARTLY_SHIPPED
        provider = self.payment_provider
        if paid or (provider is not None and provider.ships_unpaid):
            return self.Status.AWAITING_SHIPMENT
        return self.Status.PENDING_PAYMENT


class OrderLine(models.Model):
    """What was bought, frozen at checkout: never recomputed from today's catalogue."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    product_name = models.CharField(_("product"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64)
    options_label = models.CharField(_("options"), max_length=255, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    # The variant's price without its sale when a sale price was paid: shown struck through.
    regular_unit_price = models.DecimalField(
        _("regular unit price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    # This line's shares of the order's discounts; what was paid for it is line_total - discount_total.
    discount_total = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # The product's exemption from the seven-day no-reason return when it was bought.
    return_exemption = models.CharField(
        _("no-reason return exemption"),
        max_length=16,
        choices=ReturnExemption.choices,
        default=ReturnExemption.NONE,
        blank=True,
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_total__gte=0) & Q(discount_total__lte=F("line_total")),
                name="orders_line_discount_within_total",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orders_line_unit_price_non_negative"
            ),
            models.CheckConstraint(condition=Q(line_total__gte=0), name="orders_line_total_non_negative"),
            models.CheckConstraint(
                condition=Q(regular_unit_price__isnull=True) | Q(regular_unit_price__gt=F("unit_price")),
                name="orders_line_regular_price_above_unit_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def paid_total(self) -> Decimal:
        """What was paid for this line: its total less its shares of the order's discounts."""
        return self.line_total - self.discount_total
