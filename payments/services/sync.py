"""Server-side checks (sync_payments): lost notifications, unpaid attempts of cancelled orders."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import GatewayError, GatewayProvider
from payments.selectors import gateway_get
from payments.services.notifications import payment_event_apply
from payments.services.refunds import refund_record

logger = logging.getLogger(__name__)

# A payment or refund is asked about at most this often, however often sync_payments runs.
SYNC_RECHECK_INTERVAL = timedelta(minutes=1)


def _claimed(model: type[Payment] | type[Refund], *, pk: int, now, recheck_before) -> bool:
    """Take the next check of one row, so several machines never ask the gateway twice."""
    due = Q(checked_at__isnull=True) | Q(checked_at__lt=recheck_before)
    return bool(model.objects.filter(due, pk=pk, status="pending").update(checked_at=now))


def _payment_sync(*, payment: Payment, counts: dict[str, int]) -> None:
    provider = gateway_get(payment.provider)
    if provider is None:
        return
    try:
        event = provider.payment_query(payment=payment)
    except GatewayError as error:
        counts["errors"] += 1
        logger.warning("Could not query payment %s: %s", payment.reference, error)
        return
    if event is not None:
        outcome = payment_event_apply(provider=provider, event=event, kind=PaymentEvent.Kind.QUERY)
        counts[event.kind.value if outcome.verdict == PaymentEvent.Verdict.ACCEPTED else "unchanged"] += 1
    elif payment.order.is_cancelled:
        _payment_close(provider=provider, payment=payment, counts=counts)


def _payment_close(*, provider: GatewayProvider, payment: Payment, counts: dict[str, int]) -> None:
    """Close the unpaid attempt of a cancelled order at the gateway, so nobody can pay it any more."""
    try:
        provider.checkout_close(payment=payment)
    except GatewayError as error:
        counts["errors"] += 1
        logger.warning("Could not close payment %s: %s", payment.reference, error)
        return
    closed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.CANCELLED, updated_at=timezone.now()
    )
    counts["closed"] += closed


def _refund_sync(*, refund: Refund, counts: dict[str, int]) -> None:
    provider = gateway_get(refund.payment.provider)
    if provider is None:
        return
    try:
        outcome = provider.refund_query(payment=refund.payment, refund=refund)
    except GatewayError as error:
        counts["errors"] += 1
        logger.warning("Could not query refund %s: %s", refund.reference, error)
        return
    if outcome.status != Refund.Status.PENDING:
        refund_record(refund=refund, outcome=outcome)
        counts[f"refund_{outcome.status}"] += 1


def payments_sync(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Ask the gateways about payments and refunds still pending after ``older_than``.

    A lost notification thus never leaves a paid order unpaid: the query's
    answer is applied like a notification. Unpaid attempts of cancelled orders
    are closed at the gateway. Safe on several machines at once: each row's
    check is claimed with a conditional update, and applying is idempotent.
    Must not run inside a transaction. Returns counts of what happened.
    """
    older_than = settings.PAYMENT_SYNC_AFTER if older_than is None else older_than
    now = timezone.now()
    cutoff = now - older_than
    recheck_before = now - max(older_than, SYNC_RECHECK_INTERVAL)
    counts: dict[str, int] = {
        "checked": 0,
        "paid": 0,
        "failed": 0,
        "closed": 0,
        "unchanged": 0,
        "errors": 0,
        "refund_succeeded": 0,
        "refund_failed": 0,
    }
    payment_ids = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=cutoff).order_by("id")
    for pk in payment_ids.values_list("pk", flat=True):
        if _claimed(Payment, pk=pk, now=now, recheck_before=recheck_before):
            counts["checked"] += 1
            _payment_sync(payment=Payment.objects.select_related("order").get(pk=pk), counts=counts)
    refund_ids = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=cutoff).order_by("id")
    for pk in refund_ids.values_list("pk", flat=True):
        if _claimed(Refund, pk=pk, now=now, recheck_before=recheck_before):
            counts["checked"] += 1
            _refund_sync(refund=Refund.objects.select_related("payment").get(pk=pk), counts=counts)
    return counts
