"""The goods arrive: the shopper confirms receipt, or the order completes by itself after a while.

The receipt date (``Order.received_at``) starts the after-sales window, whichever way it came.
"""

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, Shipment
from orders.services.records import order_change_save, order_lock


def _receipt_save(*, order: Order, actor: AbstractBaseUser | None, note: str) -> None:
    """Complete a locked, shipped order: received now, delivered, one "received" event."""
    order.received_at = timezone.now()
    order.fulfilment_status = Order.FulfilmentStatus.DELIVERED
    order_change_save(
        order=order,
        fields=["fulfilment_status", "received_at"],
        kind=OrderEvent.Kind.RECEIVED,
        from_state=Order.FulfilmentStatus.SHIPPED,
        to_state=Order.FulfilmentStatus.DELIVERED,
        actor=actor,
        note=note,
    )


@transaction.atomic(durable=True)
def order_receipt_confirm(*, order: Order, actor: AbstractBaseUser | None = None) -> Order:
    """The shopper confirms the parcels arrived: record the receipt date and complete the order.

    Locks the order row. Idempotent: an order already received (a second click, staff
    marked it delivered, the automatic completion came first) is returned unchanged, with
    no second event. Raises InvalidTransition for a cancelled order or one not yet fully
    shipped. Must not run inside a transaction.
    """
    order = order_lock(order)
    if order.received_at is not None:
        return order
    if order.is_cancelled or order.fulfilment_status != Order.FulfilmentStatus.SHIPPED:
        raise InvalidTransition(_("Receipt can be confirmed once the whole order has been shipped."))
    _receipt_save(order=order, actor=actor, note=_("The customer confirmed receipt."))
    return order


def _due_q(*, cutoff: datetime) -> Q:
    """Shipped orders nobody confirmed whose last parcel left before ``cutoff``.

    Written without an aggregate (no GROUP BY) so the same filter can lock rows FOR UPDATE.
    """
    parcels = Shipment.objects.filter(order=OuterRef("pk"))
    return Q(
        Exists(parcels),
        ~Exists(parcels.filter(shipped_at__gte=cutoff)),
        fulfilment_status=Order.FulfilmentStatus.SHIPPED,
        received_at__isnull=True,
        cancelled_at__isnull=True,
    ) & ~Q(payment_status=Order.PaymentStatus.REFUNDED)


@transaction.atomic(durable=True)
def _order_complete_if_due(*, order_id: int, due: Q, days: int) -> str | None:
    # SKIP LOCKED: an order another machine is completing (or the shopper is confirming)
    # is left to it; the state is re-checked under our lock.
    order = Order.objects.select_for_update(skip_locked=True).filter(due, pk=order_id).first()
    if order is None:
        return None
    note = _("Completed automatically %(days)d days after the last parcel was shipped.") % {"days": days}
    _receipt_save(order=order, actor=None, note=note)
    return order.number


def order_complete_shipped(*, after: timedelta) -> list[str]:
    """Complete shipped orders not confirmed within ``after`` of their last parcel; their numbers.

    The receipt date is the moment of completion. Safe on several machines at once: one
    transaction per order, each locked with SKIP LOCKED and re-checked, so an order is
    completed once. Must not run inside a transaction.
    """
    due = _due_q(cutoff=timezone.now() - after)
    candidates = list(Order.objects.filter(due).order_by("id").values_list("pk", flat=True))
    days = after.days
    completed = []
    for order_id in candidates:
        if (number := _order_complete_if_due(order_id=order_id, due=due, days=days)) is not None:
            completed.append(number)
    return completed
