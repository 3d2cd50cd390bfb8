"""Moving a placed order through its states: confirmed, paid, shipped, delivered, refunded.

Each locks the order row (SELECT ... FOR UPDATE), re-checks the state under
the lock and refuses transitions that make no sense with InvalidTransition.
Cancelling, which also returns stock, lives in ``orders.services.cancelling``.
"""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.exceptions import InvalidTransition
from orders.models import Carrier, Order, OrderEvent, OutboundEmail
from orders.payment_methods import payment_provider_get
from orders.selectors import order_paid_online
from orders.services.records import order_change_save, order_event_record, order_lock
from orders.services.shipping import shipment_create
from shop.audit import audit_record
from shop.models import AuditEvent
from shop.money import format_money


@transaction.atomic(durable=True)
def order_confirm(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Record that staff confirmed a cash-on-delivery order, so the cancel job keeps it. Locks the order row.

    Raises InvalidTransition unless the order is open, unpaid, unshipped, not yet
    confirmed and paid on delivery. The admin calls it only for staff with
    ``orders.change_order``.
    """
    order = order_lock(order)
    if order.is_cancelled:
        raise InvalidTransition(_("A cancelled order cannot be confirmed."))
    if order.confirmed_at is not None:
        raise InvalidTransition(_("This order has already been confirmed."))
    provider = payment_provider_get(order.payment_method)
    if provider is None or not provider.ships_unpaid:
        raise InvalidTransition(_("Only orders paid on delivery need confirming."))
    if order.payment_status != Order.PaymentStatus.UNPAID or (
        order.fulfilment_status != Order.FulfilmentStatus.UNFULFILLED
    ):
        raise InvalidTransition(_("This order is under way already and needs no confirmation."))
    order.confirmed_at = timezone.now()
    order_change_save(
        order=order,
        fields=["confirmed_at"],
        kind=OrderEvent.Kind.CONFIRMED,
        from_state="unconfirmed",
        to_state="confirmed",
        actor=actor,
        note=note,
    )
    return order


@transaction.atomic(durable=True)
def order_payment_method_change(*, order: Order, code: str, user_agent: str = "") -> Order:
    """Let the shopper pay an unpaid order through another online method. Locks the order row.

    For a method that cannot be paid in the shopper's browser (Alipay inside WeChat), so
    they may pay another way there. Raises InvalidTransition unless the order is open and
    unpaid, its method and ``code`` are both online methods, and ``code`` is available for
    the order's country and total in the browser with ``user_agent``. The order's method
    already: nothing changes.
    """
    order = order_lock(order)
    if order.is_cancelled:
        raise InvalidTransition(_("This order was cancelled and can no longer be paid."))
    if order.payment_status != Order.PaymentStatus.UNPAID:
        raise InvalidTransition(_("This order has already been paid."))
    if code == order.payment_method:
        return order
    current = payment_provider_get(order.payment_method)
    chosen = payment_provider_get(code)
    if (
        current is None
        or current.is_offline
        or chosen is None
        or chosen.is_offline
        or not chosen.is_available(country=order.country, total=order.grand_total, user_agent=user_agent)
    ):
        raise InvalidTransition(_("This order cannot be paid that way here."))
    previous = order.payment_method
    order.payment_method = code
    order_change_save(
        order=order,
        fields=["payment_method"],
        kind=OrderEvent.Kind.PAYMENT_METHOD,
        from_state=previous,
        to_state=code,
        actor=None,
        note="",
    )
    return order


@transaction.atomic
def order_mark_paid(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Record the payment. Locks the order row; raises InvalidTransition unless it is unpaid and open.

    May run inside the caller's transaction (payments.services applies a gateway's
    notification while holding the payment row).
    """
    order = order_lock(order)
    if order.is_cancelled:
        raise InvalidTransition(_("A cancelled order cannot be marked as paid."))
    if order.payment_status != Order.PaymentStatus.UNPAID:
        raise InvalidTransition(_("This order has already been paid."))
    order.payment_status = Order.PaymentStatus.PAID
    order_change_save(
        order=order,
        fields=["payment_status"],
        kind=OrderEvent.Kind.PAID,
        from_state="unpaid",
        to_state="paid",
        actor=actor,
        note=note,
        email=OutboundEmail.Kind.PAID,
    )
    audit_record(
        action=AuditEvent.Action.ORDER_MARKED_PAID,
        actor=actor,
        target=f"order {order.number}",
        detail={"total": str(order.grand_total), "note": note[:200]},
    )
    return order


def order_ship(
    *,
    order: Order,
    carrier: Carrier,
    tracking_number: str,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> Order:
    """Ship everything left of the order in one parcel (``shipment_create`` with every unit left).

    Locks the order row. Raises InvalidTransition for a cancelled, refunded or already
    shipped order, for a missing tracking number, and for an unpaid order unless its
    payment method ships unpaid (cash on delivery). Must not run inside a transaction.
    """
    shipment = shipment_create(
        order=order, carrier=carrier, tracking_number=tracking_number, actor=actor, note=note
    )
    return shipment.order


@transaction.atomic(durable=True)
def order_mark_delivered(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Record delivery of a shipped order (now is its receipt date). Locks the order row.

    Raises InvalidTransition unless the order is shipped and open.
    """
    order = order_lock(order)
    if order.is_cancelled or order.fulfilment_status != Order.FulfilmentStatus.SHIPPED:
        raise InvalidTransition(_("Only a shipped order can be marked as delivered."))
    order.fulfilment_status = Order.FulfilmentStatus.DELIVERED
    order.received_at = order.received_at or timezone.now()
    order_change_save(
        order=order,
        fields=["fulfilment_status", "received_at"],
        kind=OrderEvent.Kind.DELIVERED,
        from_state="shipped",
        to_state="delivered",
        actor=actor,
        note=note,
    )
    return order


@transaction.atomic
def order_refund(
    *,
    order: Order,
    actor: AbstractBaseUser | None = None,
    note: str = "",
    through_gateway: bool = False,
    email: bool = True,
) -> Order:
    """Record a refund of a paid order. Locks the order row; raises InvalidTransition unless paid.

    A refund does not return stock: cancel the order (before shipping) for that.
    An order paid through a gateway is refunded by payments.services.payment_refund,
    which calls this with ``through_gateway=True`` once the gateway has sent the
    whole payment back (inside its transaction). ``email=False`` when the caller tells
    the customer itself (an after-sales refund that completes the order's).
    """
    order = _paid_order_lock(order)
    if not through_gateway and order_paid_online(order=order):
        raise InvalidTransition(
            _("This order was paid online: refund it from its payment, so the gateway sends the money back.")
        )
    order.payment_status = Order.PaymentStatus.REFUNDED
    order_change_save(
        order=order,
        fields=["payment_status"],
        kind=OrderEvent.Kind.REFUNDED,
        from_state="paid",
        to_state="refunded",
        actor=actor,
        note=note,
        email=OutboundEmail.Kind.REFUNDED if email else None,
    )
    audit_record(
        action=AuditEvent.Action.ORDER_REFUNDED,
        actor=actor,
        target=f"order {order.number}",
        detail={"total": str(order.grand_total), "through_gateway": through_gateway, "note": note[:200]},
    )
    return order


@transaction.atomic
def order_partial_refund_record(
    *, order: Order, amount: Decimal, actor: AbstractBaseUser | None = None, note: str = ""
) -> Order:
    """Record that part of a paid order's money was sent back; the order stays paid.

    Locks the order row; raises InvalidTransition unless the order is paid. Used by
    payments.services when a gateway confirms a partial refund.
    """
    order = _paid_order_lock(order)
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        from_state="paid",
        to_state="paid",
        actor=actor,
        note=note or _("Partial refund of %(amount)s.") % {"amount": format_money(amount)},
    )
    return order


def _paid_order_lock(order: Order) -> Order:
    """The order's row, locked, when it is paid (what every refund needs); InvalidTransition otherwise."""
    order = order_lock(order)
    if order.payment_status != Order.PaymentStatus.PAID:
        raise InvalidTransition(_("Only a paid order can be refunded."))
    return order
