"""Refunds: stored first, sent to the gateway outside any transaction, then settled."""

import logging
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services import order_partial_refund_record, order_refund
from payments.exceptions import RefundNotAllowed
from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import GatewayError, RefundOutcome
from payments.selectors import gateway_get, order_paid_through_gateway
from payments.services.records import event_store
from payments.signals import refund_settled
from shop.audit import audit_record
from shop.models import AuditEvent
from shop.money import format_money, quantize

logger = logging.getLogger(__name__)


def refund_settle(*, refund: Refund, outcome: RefundOutcome) -> bool:
    """Record a pending refund's final state (refund row locked by the caller); False if already final.

    A succeeded refund adds to the payment's refunded amount; when the order's
    own payment is refunded in full, the order becomes refunded.
    """
    if refund.status != Refund.Status.PENDING or outcome.status == Refund.Status.PENDING:
        if outcome.gateway_reference and not refund.gateway_reference:
            Refund.objects.filter(pk=refund.pk).update(gateway_reference=outcome.gateway_reference)
        return False
    refund.status = outcome.status
    refund.gateway_reference = outcome.gateway_reference or refund.gateway_reference
    refund.error = "" if outcome.status == Refund.Status.SUCCEEDED else outcome.message
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "gateway_reference", "error", "completed_at", "updated_at"])
    if outcome.status != Refund.Status.SUCCEEDED:
        refund_settled.send(sender=Refund, refund=refund)
        if refund.payment.surplus:
            # Money the shop must not keep: staff have to return it by hand now.
            logger.error(
                "Refund %s of surplus payment failed, refund it by hand: %s",
                refund.reference,
                outcome.message,
            )
        else:
            logger.warning("Refund %s failed: %s", refund.reference, outcome.message)
        return True
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    payment.amount_refunded = F("amount_refunded") + refund.amount
    payment.save(update_fields=["amount_refunded", "updated_at"])
    payment.refresh_from_db(fields=["amount_refunded"])
    if not payment.surplus:
        _order_refund_follow(payment=payment, refund=refund)
    refund_settled.send(sender=Refund, refund=refund)
    return True


def _provider_name(code: str) -> str:
    provider = gateway_get(code)
    return str(provider.name) if provider is not None else code


def _order_refund_follow(*, payment: Payment, refund: Refund) -> None:
    order = payment.order
    if order.payment_status != Order.PaymentStatus.PAID:
        return
    note = _("%(amount)s refunded through %(provider)s (%(reference)s).") % {
        "amount": format_money(refund.amount),
        "provider": _provider_name(payment.provider),
        "reference": refund.reference,
    }
    if payment.amount_refunded >= payment.amount:
        order_refund(order=order, actor=refund.actor, note=note, through_gateway=True)
    else:
        order_partial_refund_record(order=order, amount=refund.amount, actor=refund.actor, note=note)


@transaction.atomic(durable=True)
def _refund_create(
    *, payment: Payment, amount: Decimal, actor: AbstractBaseUser | None, reason: str
) -> Refund:
    return payment_refund_prepare(payment=payment, amount=amount, actor=actor, reason=reason)


@transaction.atomic
def payment_refund_prepare(
    *, payment: Payment, amount: Decimal, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Refund:
    """Store a pending refund of ``amount`` of a successful payment, to send with ``payment_refund_send``.

    Runs inside the caller's transaction: locks the payment row (the first lock of
    every refund, see docs/architecture.md, "Lock order") and checks, under it, that
    the amount is within what was paid minus what is refunded or being refunded.
    Raises RefundNotAllowed.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.SUCCEEDED:
        raise RefundNotAllowed(_("Only a successful payment can be refunded."))
    pending = payment.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount"))["total"]
    available = payment.refundable_amount - (pending or Decimal("0.00"))
    if amount <= 0:
        raise RefundNotAllowed(_("Enter an amount greater than zero."))
    if amount > available:
        raise RefundNotAllowed(
            _("At most %(amount)s of this payment can still be refunded.")
            % {"amount": format_money(available)}
        )
    count = payment.refunds.count() + 1
    actor = actor if actor is not None and actor.is_authenticated else None
    refund = Refund.objects.create(
        payment=payment,
        reference=f"{payment.reference}-R{count}",
        amount=amount,
        reason=reason[:200],
        actor=actor,
    )
    audit_record(
        action=AuditEvent.Action.PAYMENT_REFUNDED,
        actor=actor,
        target=f"payment {payment.reference}",
        detail={
            "refund": refund.reference,
            "amount": str(amount),
            "order_id": payment.order_id,
            "reason": reason[:200],
        },
    )
    return refund


def payment_refund(
    *, payment: Payment, amount: Decimal, actor: AbstractBaseUser | None = None, reason: str = ""
) -> Refund:
    """Send ``amount`` of a successful payment back through its gateway (outside any transaction).

    Never more than was paid minus what is refunded or being refunded (checked
    under the payment's lock). The refund is stored first, then the gateway is
    asked; its answer is recorded. When the gateway cannot be reached the
    refund stays pending and sync_payments asks again. Raises RefundNotAllowed.
    """
    try:
        amount = quantize(Decimal(amount))
    except (InvalidOperation, TypeError, ValueError) as error:
        raise RefundNotAllowed(_("Enter a valid amount.")) from error
    provider = gateway_get(payment.provider)
    if provider is None:
        raise RefundNotAllowed(_("This payment's gateway is not configured."))
    refund = _refund_create(payment=payment, amount=amount, actor=actor, reason=reason)
    return payment_refund_send(refund=refund)


def payment_refund_send(*, refund: Refund) -> Refund:
    """Ask the gateway to send a stored pending refund, and record its answer (outside any transaction).

    When the gateway cannot be reached the refund stays pending and sync_payments
    asks again. Returns the refund as it is now.
    """
    payment = refund.payment
    provider = gateway_get(payment.provider)
    if provider is None:
        outcome = RefundOutcome(
            status=Refund.Status.PENDING, message=_("This payment's gateway is not configured.")
        )
        refund_record(refund=refund, outcome=outcome)
        return Refund.objects.get(pk=refund.pk)
    try:
        outcome = provider.refund_create(payment=payment, refund=refund)
    except GatewayError as error:
        logger.warning("Refund %s could not reach %s: %s", refund.reference, provider.code, error)
        refund_record(refund=refund, outcome=RefundOutcome(status=Refund.Status.PENDING, message=str(error)))
        return Refund.objects.get(pk=refund.pk)
    refund_record(refund=refund, outcome=outcome)
    return Refund.objects.get(pk=refund.pk)


@transaction.atomic(durable=True)
def refund_record(*, refund: Refund, outcome: RefundOutcome) -> None:
    """Store the gateway's answer about a refund and apply it."""
    Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
    if outcome.message and outcome.status == Refund.Status.PENDING:
        Refund.objects.filter(pk=refund.pk).update(error=outcome.message[:2000])
    refund_settle(refund=refund, outcome=outcome)
    event_store(
        provider=refund.payment.provider,
        kind=PaymentEvent.Kind.REFUND,
        verdict=PaymentEvent.Verdict.ACCEPTED if not outcome.message else PaymentEvent.Verdict.ERROR,
        reason=outcome.message,
        payment=refund.payment,
        refund=refund,
        payload={"status": outcome.status, "amount": str(refund.amount), **dict(outcome.payload)},
    )


@transaction.atomic
def offline_refund_record(
    *,
    order: Order,
    amount: Decimal,
    reference: str,
    completes_order: bool,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> None:
    """Record money staff sent back outside any gateway (a bank transfer, cash), with their reference.

    Runs inside the caller's transaction; locks the order row. The order becomes
    refunded when ``completes_order`` (this refund and the earlier ones make its whole
    total; the caller tells the customer), else it stays paid with the refund in its
    history. Raises RefundNotAllowed
    for an order a gateway paid (its money goes back through the gateway), without a
    reference or for an amount that is not positive; InvalidTransition unless the order is paid.
    """
    if order_paid_through_gateway(order):
        raise RefundNotAllowed(
            _("This order was paid online: its money goes back through the gateway, not by hand.")
        )
    reference = reference.strip()
    if not reference:
        raise RefundNotAllowed(_("Enter the reference of the transfer or receipt that sent the money back."))
    if amount <= 0:
        raise RefundNotAllowed(_("Enter an amount greater than zero."))
    full_note = _("%(amount)s refunded by hand (reference %(reference)s).") % {
        "amount": format_money(amount),
        "reference": reference,
    }
    full_note = f"{full_note} {note}".strip()
    if completes_order:
        # The caller (after-sales) emails the customer about this refund itself.
        order_refund(order=order, actor=actor, note=full_note, email=False)
    else:
        order_partial_refund_record(order=order, amount=amount, actor=actor, note=full_note)
    actor = actor if actor is not None and actor.is_authenticated else None
    audit_record(
        action=AuditEvent.Action.PAYMENT_REFUNDED,
        actor=actor,
        target=f"order {order.number}",
        detail={"amount": str(amount), "reference": reference[:100], "offline": True, "note": note[:200]},
    )


def payment_surplus_refund(*, payment_id: int) -> Refund | None:
    """Refund in full what is left of a surplus payment; None when nothing is left to refund."""
    payment = Payment.objects.filter(pk=payment_id, surplus=True).first()
    if payment is None or payment.refundable_amount <= 0:
        return None
    try:
        return payment_refund(
            payment=payment,
            amount=payment.refundable_amount,
            reason=_("Paid after the order was cancelled or already paid."),
        )
    except (RefundNotAllowed, InvalidTransition) as error:
        logger.error("Surplus payment %s needs staff: %s", payment.reference, error)
        return None


def payment_refunds_for_cancelled_order(*, order_id: int) -> list[Refund]:
    """Refund in full what is left of each online payment of a cancelled order (outside any transaction)."""
    payments = Payment.objects.filter(
        order_id=order_id, order__cancelled_at__isnull=False, status=Payment.Status.SUCCEEDED, surplus=False
    )
    refunds = []
    for payment in payments:
        if payment.refundable_amount <= 0:
            continue
        try:
            refunds.append(
                payment_refund(
                    payment=payment, amount=payment.refundable_amount, reason=_("The order was cancelled.")
                )
            )
        except RefundNotAllowed as error:
            logger.error("Payment %s of a cancelled order needs staff: %s", payment.reference, error.message)
    return refunds
