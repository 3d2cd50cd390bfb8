"""What gateways report: checked against our records and applied once, under row locks."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from orders.models import Order
from orders.selectors import order_paid_online
from orders.services import order_mark_paid
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import (
    EventKind,
    GatewayEvent,
    GatewayProvider,
    NotificationRejected,
    RefundOutcome,
)
from payments.services.records import event_fingerprint, event_store
from payments.services.refunds import refund_settle
from payments.tasks import refund_surplus_payment
from shop.ratelimit import client_ip, rate_limit_hit

logger = logging.getLogger(__name__)

PAYMENT_EVENTS = frozenset({EventKind.PAID, EventKind.FAILED, EventKind.PENDING})
REFUND_STATUSES = {
    EventKind.REFUND_SUCCEEDED: Refund.Status.SUCCEEDED,
    EventKind.REFUND_FAILED: Refund.Status.FAILED,
    EventKind.REFUND_PENDING: Refund.Status.PENDING,
}


@dataclass(frozen=True)
class EventVerdict:
    verdict: str
    reason: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.verdict in (PaymentEvent.Verdict.ACCEPTED, PaymentEvent.Verdict.DUPLICATE)


def _event_problem(*, payment: Payment, refund: Refund | None, event: GatewayEvent) -> str:
    """Why an event about ``payment`` (and, for refund events, its ``refund``) must be refused, or ""."""
    if event.kind == EventKind.PAID and (event.amount is None or not event.currency):
        return "paid event without an amount and currency"
    if event.currency and event.currency.upper() != payment.currency:
        return f"currency {event.currency} does not match {payment.currency}"
    if event.kind in PAYMENT_EVENTS:
        # Exact comparison: 100.004 is not 100.00 (Decimals compare by value).
        if event.amount is not None and event.amount != payment.amount:
            return f"amount {event.amount} does not match {payment.amount}"
        return ""
    if refund is None:
        return f"unknown refund {event.refund_reference!r}"
    if event.amount is not None and event.amount != refund.amount:
        return f"refund amount {event.amount} does not match {refund.amount}"
    return ""


def _order_wants_no_money(order: Order) -> bool:
    """Cancelled, refunded, or already paid by another online payment (order row locked).

    An order staff marked paid by hand (say, after seeing the money in the
    gateway's dashboard while its notification was lost) still takes its
    payment: that is the money they saw.
    """
    if order.is_cancelled or order.payment_status == Order.PaymentStatus.REFUNDED:
        return True
    return order.payment_status == Order.PaymentStatus.PAID and order_paid_online(order=order)


def _payment_succeeded(*, payment: Payment, event: GatewayEvent, provider: GatewayProvider) -> str:
    """Apply a verified "paid" to the locked payment; returns "" or why it changed nothing."""
    if payment.status == Payment.Status.SUCCEEDED:
        return "payment already recorded"
    payment.status = Payment.Status.SUCCEEDED
    payment.paid_at = timezone.now()
    payment.gateway_reference = event.gateway_reference or payment.gateway_reference
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if _order_wants_no_money(order):
        # Money for an order that no longer wants it: never applied, always returned.
        payment.surplus = True
        logger.warning("Surplus payment %s for order %s: refunding it", payment.reference, order.number)
        # Enqueued in this transaction: the refund exists exactly when the surplus does.
        refund_surplus_payment.enqueue(payment_id=payment.pk)
    payment.save(update_fields=["status", "paid_at", "gateway_reference", "surplus", "updated_at"])
    if not payment.surplus and order.payment_status == Order.PaymentStatus.UNPAID:
        reference = payment.gateway_reference or payment.reference
        order_mark_paid(order=order, note=f"{provider.name} {reference}")
    return ""


def _event_effect(
    *, payment: Payment, refund: Refund | None, event: GatewayEvent, provider: GatewayProvider
) -> str:
    """Apply an accepted event; returns "" or why it changed nothing (then it is a duplicate)."""
    if event.kind == EventKind.PAID:
        return _payment_succeeded(payment=payment, event=event, provider=provider)
    if event.kind == EventKind.FAILED:
        updated = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, updated_at=timezone.now()
        )
        return "" if updated else "payment no longer pending"
    if event.kind == EventKind.PENDING:
        return "still pending"
    outcome = RefundOutcome(status=REFUND_STATUSES[event.kind], gateway_reference=event.gateway_reference)
    return "" if refund_settle(refund=refund, outcome=outcome) else "refund already settled"


@transaction.atomic(durable=True)
def payment_event_apply(*, provider: GatewayProvider, event: GatewayEvent, kind: str) -> EventVerdict:
    """Check a verified event against our records and apply it once; stores it with its verdict."""
    payment = (
        Payment.objects.select_for_update().filter(provider=provider.code, reference=event.reference).first()
    )

    refund = None
    if payment is not None and event.refund_reference:
        # Locked after its payment, as every refund write path does; read once for check and effect.
        refund = (
            Refund.objects.select_for_update()
            .filter(payment=payment, reference=event.refund_reference)
            .first()
        )

    def verdict(value: str, reason: str = "") -> EventVerdict:
        event_store(
            provider=provider.code,
            kind=kind,
            verdict=value,
            reason=reason,
            event=event,
            payment=payment,
            refund=refund,
        )
        if value == PaymentEvent.Verdict.REJECTED:
            logger.warning("Refused %s %s event for %r: %s", provider.code, kind, event.reference, reason)
        return EventVerdict(verdict=value, reason=reason)

    if payment is None:
        return verdict(PaymentEvent.Verdict.REJECTED, "unknown payment reference")
    if event.event_id:
        seen = PaymentEvent.objects.filter(
            provider=provider.code, event_id=event.event_id, verdict=PaymentEvent.Verdict.ACCEPTED
        ).first()
        if seen is not None and seen.fingerprint == event_fingerprint(event):
            return verdict(PaymentEvent.Verdict.DUPLICATE, "event already applied")
        if seen is not None:
            return verdict(PaymentEvent.Verdict.REJECTED, "replayed event id with other content")
    if problem := _event_problem(payment=payment, refund=refund, event=event):
        return verdict(PaymentEvent.Verdict.REJECTED, problem)
    if unchanged := _event_effect(payment=payment, refund=refund, event=event, provider=provider):
        return verdict(PaymentEvent.Verdict.DUPLICATE, unchanged)
    return verdict(PaymentEvent.Verdict.ACCEPTED)


def _rejected_notification_storable(*, provider: GatewayProvider, request: HttpRequest) -> bool:
    # Anyone can post to the notification URL: what refusals may write is capped per source
    # and per gateway, so a flood cannot fill the table.
    window = timedelta(hours=1)
    return rate_limit_hit(
        scope=f"payment_refused:{provider.code}:ip",
        key=client_ip(request) or "unknown",
        limit=settings.PAYMENT_REFUSED_STORED_PER_HOUR_PER_IP,
        window=window,
    ) and rate_limit_hit(
        scope=f"payment_refused:{provider.code}",
        key=provider.code,
        limit=settings.PAYMENT_REFUSED_STORED_PER_HOUR,
        window=window,
    )


def _rejected_notification_store(*, provider: GatewayProvider, request: HttpRequest, reason: str) -> None:
    if not _rejected_notification_storable(provider=provider, request=request):
        logger.warning("Refused %s notification (not stored, over the hourly cap): %s", provider.code, reason)
        return
    # The body of a refused notification is untrusted and may carry anything: keep its hash only.
    body = request.body
    PaymentEvent.objects.create(
        provider=provider.code,
        kind=PaymentEvent.Kind.NOTIFICATION,
        verdict=PaymentEvent.Verdict.REJECTED,
        reason=reason.replace("\x00", "")[:255],
        payload={
            "content_type": request.content_type.replace("\x00", "")[:100],
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        },
    )
    logger.warning("Refused %s notification: %s", provider.code, reason)


def payment_notification_receive(*, provider: GatewayProvider, request: HttpRequest) -> HttpResponse:
    """Verify, record and apply a gateway's notification; answers as the gateway expects.

    Anything not genuine, or not matching our records, gets the gateway's
    refusal (a 4xx) and changes nothing but the stored event.
    """
    # Read the raw body before anything parses a form from it: the stored refusal hashes it.
    request.body  # noqa: B018
    try:
        events = provider.notification_parse(request)
    except NotificationRejected as rejected:
        _rejected_notification_store(provider=provider, request=request, reason=rejected.reason)
        return provider.notification_response(accepted=False)
    for event in events:
        if not payment_event_apply(
            provider=provider, event=event, kind=PaymentEvent.Kind.NOTIFICATION
        ).acknowledged:
            return provider.notification_response(accepted=False)
    return provider.notification_response(accepted=True)
