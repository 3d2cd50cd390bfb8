"""Cancelling orders, by staff or for want of payment, with their stock returned exactly once."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.stock import stock_return
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderDiscount, OrderEvent, OutboundEmail
from orders.payment_methods import payment_codes_shipping_unpaid
from orders.services.records import order_change_save, order_event_record, order_lock
from orders.signals import order_cancelled
from promotions.services import coupon_use_return


def _order_restock(*, order: Order, actor: AbstractBaseUser | None) -> None:
    """Return the order's units to stock through the catalogue, and record it in the order's history."""
    quantities: dict[int, int] = defaultdict(int)
    skus: list[str] = []
    for line in order.lines.all():
        if line.variant_id is not None:
            quantities[line.variant_id] += line.quantity
            skus.append(f"{line.sku} x{line.quantity}")
    if quantities:
        # In this transaction: the catalogue bumps its revision and enqueues the
        # back-in-stock emails of shoppers waiting for these variants with it.
        stock_return(quantities=quantities)
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.RESTOCKED,
            from_state="",
            to_state="",
            actor=actor,
            note=", ".join(skus),
        )


def _order_coupon_use_return(*, order: Order) -> None:
    """Give back the use of a coupon the order took, once: the caller holds the order row locked."""
    now = timezone.now()
    for discount in OrderDiscount.objects.filter(
        order=order, coupon__isnull=False, use_returned_at__isnull=True
    ).order_by("pk"):
        coupon_use_return(coupon_id=discount.coupon_id, email_canonical=order.email_canonical)
        discount.use_returned_at = now
        discount.save(update_fields=["use_returned_at"])


def _order_cancel_locked(*, order: Order, actor: AbstractBaseUser | None, note: str) -> Order:
    """Cancel an order whose row the caller holds locked; restocks, and gives an unpaid order's
    coupon use back, exactly once."""
    if order.is_cancelled:
        raise InvalidTransition(_("This order is already cancelled."))
    if order.fulfilment_status != Order.FulfilmentStatus.UNFULFILLED:
        raise InvalidTransition(_("A shipped order cannot be cancelled."))
    unpaid = order.payment_status == Order.PaymentStatus.UNPAID
    from_state = order.display_status
    order.cancelled_at = timezone.now()
    order_change_save(
        order=order,
        fields=["cancelled_at"],
        kind=OrderEvent.Kind.CANCELLED,
        from_state=from_state,
        to_state="cancelled",
        actor=actor,
        note=note,
        email=OutboundEmail.Kind.CANCELLED,
    )
    _order_restock(order=order, actor=actor)
    if unpaid:
        # Nobody paid for the discount: the code may be used again (after the variants,
        # the coupon's row; docs/architecture.md, "Lock order").
        _order_coupon_use_return(order=order)
    # Inside this transaction, so what receivers enqueue (payments: the gateway refund of an
    # order paid online) exists exactly when the cancellation does.
    order_cancelled.send(sender=Order, order=order)
    return order


@transaction.atomic(durable=True)
def order_cancel(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Cancel an unshipped order and return its stock, exactly once; an unpaid one gives its coupon use back.

    Locks the order row, so two concurrent cancels restock (and give the use back) once: the second
    sees the first's cancellation and raises InvalidTransition. Sends
    ``orders.signals.order_cancelled`` inside the transaction.
    """
    return _order_cancel_locked(order=order_lock(order), actor=actor, note=note)


def _expired_q(*, unpaid_cutoff: datetime, unconfirmed_cutoff: datetime | None) -> Q:
    """Open orders the job cancels: unpaid ones placed before ``unpaid_cutoff`` (not cash on
    delivery), and cash-on-delivery ones staff left unconfirmed since ``unconfirmed_cutoff``."""
    ships_unpaid = Q(payment_method__in=payment_codes_shipping_unpaid())
    expired = Q(created_at__lt=unpaid_cutoff) & ~ships_unpaid
    if unconfirmed_cutoff is not None:
        expired |= Q(created_at__lt=unconfirmed_cutoff, confirmed_at__isnull=True) & ships_unpaid
    # A shipped order is under way, which counts as confirmed: only unfulfilled ones qualify.
    return expired & Q(
        payment_status=Order.PaymentStatus.UNPAID,
        fulfilment_status=Order.FulfilmentStatus.UNFULFILLED,
        cancelled_at__isnull=True,
    )


@transaction.atomic(durable=True)
def _order_cancel_if_expired(*, order_id: int, expired: Q) -> str | None:
    # SKIP LOCKED: an order another machine is cancelling (or staff are
    # editing or confirming) is left to it; the state is re-checked under our lock.
    order = Order.objects.select_for_update(skip_locked=True).filter(expired, pk=order_id).first()
    if order is None:
        return None
    provider = order.payment_provider
    if provider is not None and provider.ships_unpaid:
        note = _("The order was not confirmed in time.")
    else:
        note = _("Payment was not received in time.")
    _order_cancel_locked(order=order, actor=None, note=note)
    return order.number


def order_cancel_expired(
    *, older_than: timedelta, unconfirmed_older_than: timedelta | None = None
) -> list[str]:
    """Cancel unpaid, unfulfilled orders (not cash on delivery) placed more than ``older_than`` ago,
    and cash-on-delivery ones staff have not confirmed within ``unconfirmed_older_than`` (None: never).

    Their stock goes back through catalog.stock. Safe to run every minute on several
    machines at once: one transaction per order, each order locked with SKIP LOCKED
    and re-checked. Must not run inside a transaction. Returns the cancelled order numbers.
    """
    now = timezone.now()
    expired = _expired_q(
        unpaid_cutoff=now - older_than,
        unconfirmed_cutoff=now - unconfirmed_older_than if unconfirmed_older_than is not None else None,
    )
    candidates = list(Order.objects.filter(expired).order_by("id").values_list("pk", flat=True))
    cancelled = []
    for order_id in candidates:
        if (number := _order_cancel_if_expired(order_id=order_id, expired=expired)) is not None:
            cancelled.append(number)
    return cancelled
