"""Starting a payment: a pending attempt first, then the gateway's page or QR code."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from payments.exceptions import PaymentUnavailable
from payments.models import Payment, PaymentEvent
from payments.providers.base import GatewayError, GatewayProvider, GatewayUrls
from payments.selectors import PAYMENT_REUSE_MARGIN, gateway_get
from payments.services.records import event_store

logger = logging.getLogger(__name__)

# How long a started payment page stays valid when the gateway does not say.
PAYMENT_PAGE_LIFETIME = timedelta(minutes=30)


def _payment_urls(*, order: Order, provider: GatewayProvider) -> GatewayUrls:
    notify_path = reverse("payments:notify", kwargs={"provider": provider.code})
    return GatewayUrls(
        return_url=f"{settings.SITE_URL}{order.get_access_url()}&payment=returned",
        notify_url=f"{settings.PAYMENT_NOTIFY_BASE_URL}{notify_path}",
        page_url=f"{settings.SITE_URL}{order.get_access_url()}",
    )


def _order_payable_check(order: Order) -> None:
    if order.grand_total <= 0:
        raise PaymentUnavailable(_("This order costs nothing, so there is nothing to pay online."))
    if order.is_cancelled:
        raise PaymentUnavailable(_("This order was cancelled and can no longer be paid."))
    if order.payment_status != Order.PaymentStatus.UNPAID:
        raise PaymentUnavailable(_("This order has already been paid."))


@transaction.atomic(durable=True)
def _payment_create(*, order: Order, provider: GatewayProvider, channel: str) -> tuple[Payment, bool]:
    """A new pending attempt, or the open one the shopper can still use (under the order's lock)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    _order_payable_check(order)
    reusable = (
        order.payments.filter(
            provider=provider.code,
            channel=channel,
            status=Payment.Status.PENDING,
            expires_at__gt=timezone.now() + PAYMENT_REUSE_MARGIN,
        )
        .exclude(redirect_url="", qr_code="")
        .order_by("-id")
        .first()
    )
    if reusable is not None:
        return reusable, False
    attempt = order.payments.count() + 1
    payment = Payment.objects.create(
        order=order,
        provider=provider.code,
        channel=channel,
        reference=f"{order.number}-{attempt}",
        amount=order.grand_total,
        currency=settings.SHOP_CURRENCY.upper(),
    )
    return payment, True


def payment_start(*, order: Order, channel: str = "", client_ip: str = "", payer_id: str = "") -> Payment:
    """Start paying ``order`` online through its payment method's gateway (outside any transaction).

    Reuses the order's open attempt on the same channel while its page is
    valid, so two tabs never make two charges. Otherwise stores a new pending
    Payment first, then asks the gateway for the payment page or QR code.
    ``payer_id``: the shopper's id at the gateway when the channel needs one (WeChat's openid).
    Raises PaymentUnavailable when the order cannot be paid or the gateway fails.
    """
    provider = gateway_get(order.payment_method)
    if provider is None or not provider.is_configured():
        raise PaymentUnavailable(_("This payment method is not available at the moment."))
    if not provider.channel_usable(channel):
        channel = provider.channels[0]
    payment, created = _payment_create(order=order, provider=provider, channel=channel)
    if not created:
        return payment
    try:
        checkout = provider.checkout_create(
            payment=payment,
            urls=_payment_urls(order=order, provider=provider),
            client_ip=client_ip,
            payer_id=payer_id,
        )
    except GatewayError as error:
        logger.warning("Payment %s could not start at %s: %s", payment.reference, provider.code, error)
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED)
            event_store(
                provider=provider.code,
                kind=PaymentEvent.Kind.CHECKOUT,
                verdict=PaymentEvent.Verdict.ERROR,
                reason=str(error),
                payment=payment,
            )
        raise PaymentUnavailable(
            _("%(name)s cannot be reached right now. Please try again in a moment.") % {"name": provider.name}
        ) from error
    with transaction.atomic():
        payment.redirect_url = checkout.redirect_url
        payment.qr_code = checkout.qr_code
        payment.gateway_reference = checkout.gateway_reference
        payment.expires_at = checkout.expires_at or timezone.now() + PAYMENT_PAGE_LIFETIME
        payment.save(
            update_fields=["redirect_url", "qr_code", "gateway_reference", "expires_at", "updated_at"]
        )
        event_store(
            provider=provider.code,
            kind=PaymentEvent.Kind.CHECKOUT,
            verdict=PaymentEvent.Verdict.ACCEPTED,
            payment=payment,
            payload=checkout.payload,
        )
    return payment
