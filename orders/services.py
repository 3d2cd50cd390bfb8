"""Every write path of orders: placing one and moving it through its states.

Locking, in one place:
- Stock is taken and returned with conditional updates, one variant at a time
  in ascending id order (S1, S2), so concurrent checkouts queue, never deadlock.
- A state change locks its order row (SELECT ... FOR UPDATE) and re-checks the
  state under the lock; the cancel job skips rows another machine holds.
- Emails are tasks enqueued in the same transaction (T4): the queue is in
  PostgreSQL, so a task exists exactly when the change it reports does.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cart.exceptions import CartEmpty, OutOfStock
from cart.selectors import Cart
from catalog.models import LOW_STOCK_THRESHOLD, Variant
from catalog.recommendations import back_in_stock_requests_notify
from catalog.services import catalog_mark_changed
from orders.exceptions import InvalidTransition
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OutboundEmail,
    ShippingMethod,
    access_token_generate,
    order_number_generate,
)
from orders.payments import payment_codes_shipping_unpaid, payment_provider_get
from orders.selectors import order_paid_online
from orders.tasks import send_order_email
from payments.tasks import refund_cancelled_order
from shop.money import format_money, line_total

ORDER_NUMBER_ATTEMPTS = 5

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutData:
    """The shopper's validated checkout details (built by CheckoutForm)."""

    email: str
    full_name: str
    phone: str
    country: str
    province: str
    city: str
    postal_code: str
    address_line1: str
    address_line2: str
    note: str
    shipping_method: ShippingMethod
    payment_method: str
    user: AbstractBaseUser | None = None
    language: str = settings.LANGUAGE_CODE

    def as_order_fields(self) -> dict:
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values["shipping_method_name"] = self.shipping_method.name
        values["user"] = self.user if self.user is not None and self.user.is_authenticated else None
        return values


CHECKOUT_TOKEN_SESSION_KEY = "checkout_token"
# How many orders this session has placed: with the session key, it names the next token.
CHECKOUT_PLACED_SESSION_KEY = "checkout_placed"


def _checkout_placed_count(session: MutableMapping[str, Any]) -> int:
    count = session.get(CHECKOUT_PLACED_SESSION_KEY, 0)
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0


def _checkout_token_derive(*, session_key: str, placed: int) -> uuid.UUID:
    digest = salted_hmac("orders.checkout_token", f"{session_key}:{placed}", algorithm="sha256").digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def checkout_token_issue(*, session: MutableMapping[str, Any]) -> uuid.UUID:
    """The idempotency token for this session's next order, the same until an order is placed with it.

    Every checkout page of the session (two tabs, a reload, the back button)
    carries the same token until an order is placed with it, so all their
    submits make one order (S3). It is derived from the session key and the
    number of orders the session has placed (an HMAC under SECRET_KEY), so
    showing the checkout page writes nothing; only a session without a key
    yet stores a random token.
    """
    try:
        return uuid.UUID(str(session[CHECKOUT_TOKEN_SESSION_KEY]))
    except (KeyError, ValueError):
        pass
    if session_key := getattr(session, "session_key", None):
        return _checkout_token_derive(session_key=session_key, placed=_checkout_placed_count(session))
    token = uuid.uuid4()
    session[CHECKOUT_TOKEN_SESSION_KEY] = str(token)
    return token


def checkout_token_forget(*, session: MutableMapping[str, Any], token: uuid.UUID) -> None:
    """Retire the session's token once its order exists; the next checkout gets a new one."""
    if session.get(CHECKOUT_TOKEN_SESSION_KEY) == str(token):
        del session[CHECKOUT_TOKEN_SESSION_KEY]
    session_key = getattr(session, "session_key", None)
    placed = _checkout_placed_count(session)
    if session_key and token == _checkout_token_derive(session_key=session_key, placed=placed):
        session[CHECKOUT_PLACED_SESSION_KEY] = placed + 1


def _order_emails_enqueue(*, order: Order, kinds: Sequence[str]) -> None:
    """Record the emails (one insert) and queue their sending, in the caller's transaction."""
    emails = []
    for kind in kinds:
        if kind == OutboundEmail.Kind.STAFF_NEW_ORDER:
            to_email, language = settings.ORDERS_NOTIFY_EMAIL, settings.LANGUAGE_CODE
        else:
            to_email, language = order.email, order.language
        emails.append(OutboundEmail(order=order, kind=kind, to_email=to_email, language=language))
    for email in OutboundEmail.objects.bulk_create(emails):
        send_order_email.enqueue(order_id=order.pk, kind=email.kind, email_id=email.pk)


def _order_email_enqueue(*, order: Order, kind: str) -> None:
    """Record the email and queue its sending, in the caller's transaction."""
    _order_emails_enqueue(order=order, kinds=[kind])


def _out_of_stock(*, variant_id: int, cart: Cart) -> OutOfStock:
    row = Variant.objects.filter(pk=variant_id).values("stock", "is_active", "product__is_active").first()
    available = row["stock"] if row and row["is_active"] and row["product__is_active"] else 0
    line = cart.line_for(variant_id)
    return OutOfStock(
        variant_id=variant_id,
        available=available,
        name=str(line.variant) if line else "",
        in_cart=line.quantity if line else 0,
    )


def order_place(*, cart: Cart, checkout: CheckoutData, token: uuid.UUID) -> Order:
    """Turn the cart into an order and take the stock, in one transaction.

    Idempotent per checkout token: a repeated or concurrent call returns the
    first order. Takes stock with conditional updates in ascending variant id
    order. Raises CartEmpty or OutOfStock (naming the variant and how many are
    left); on either, nothing is written. Enqueues the confirmation email and
    the staff notice in the same transaction. The returned order's
    ``placed_now`` is True only for the call that created it (so only that
    request empties the cart). Must not run inside a transaction.
    """
    for _attempt in range(ORDER_NUMBER_ATTEMPTS):
        number = order_number_generate()
        try:
            if cart.is_empty:
                raise CartEmpty()
            return _order_place_once(cart=cart, checkout=checkout, token=token, number=number)
        except (CartEmpty, OutOfStock, IntegrityError) as error:
            # Everything was rolled back. The token's order may exist: a repeated
            # submit (its cart now empty or short), or a concurrent one that
            # committed first, whose token made our insert fail (S3).
            if (existing := Order.objects.filter(checkout_token=token).first()) is not None:
                return existing
            if not isinstance(error, IntegrityError) or not Order.objects.filter(number=number).exists():
                raise
            # The random order number collided with another order's: try another.
    raise IntegrityError("Could not allocate a unique order number.")


@transaction.atomic(durable=True)
def _order_place_once(*, cart: Cart, checkout: CheckoutData, token: uuid.UUID, number: str) -> Order:
    """order_place's one transaction; an IntegrityError rolls it back whole, stock included."""
    quantities = {line.variant_id: line.quantity for line in cart.lines}
    # Variants in id order, so concurrent checkouts lock rows in the same
    # order and queue instead of deadlocking (S2).
    for variant_id in sorted(quantities):
        taken = Variant.objects.filter(
            pk=variant_id, is_active=True, stock__gte=quantities[variant_id]
        ).update(stock=F("stock") - quantities[variant_id])
        if not taken:
            raise _out_of_stock(variant_id=variant_id, cart=cart)  # rolls back everything

    # The rows are locked by our updates now: read them for the snapshot.
    variants = Variant.objects.select_related("product").in_bulk(sorted(quantities))
    lines = []
    for variant_id in sorted(quantities):
        variant = variants[variant_id]
        if not variant.product.is_active:
            raise OutOfStock(
                variant_id=variant_id, available=0, name=str(variant), in_cart=quantities[variant_id]
            )
        lines.append(
            OrderLine(
                variant=variant,
                product_name=variant.product.name,
                sku=variant.sku,
                options_label=variant.options_label,
                unit_price=variant.price,
                quantity=quantities[variant_id],
                line_total=line_total(variant.price, quantities[variant_id]),
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    shipping_total = checkout.shipping_method.price_for(subtotal)

    # The order row, totals included, comes after the stock: a concurrent submit
    # of the same token waits here for the first to commit, then fails on the
    # unique token and rolls back whole (order_place then returns the first).
    order = Order.objects.create(
        number=number,
        checkout_token=token,
        access_token=access_token_generate(),
        subtotal=subtotal,
        shipping_total=shipping_total,
        grand_total=subtotal + shipping_total,
        **checkout.as_order_fields(),
    )
    order.placed_now = True
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)

    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        to_state=order.display_status,
        actor=order.user,
        note=", ".join(f"{line.sku} x{line.quantity}" for line in lines),
    )
    _order_event_log(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        from_state="",
        to_state=order.display_status,
        actor_id=order.user_id,
    )
    if any(variant.stock <= LOW_STOCK_THRESHOLD for variant in variants.values()):
        # Stock moved through update(), past the catalogue's signals: cached
        # product pages must learn "only N left" / "sold out" (after commit).
        catalog_mark_changed()
    _order_emails_enqueue(
        order=order, kinds=[OutboundEmail.Kind.CONFIRMATION, OutboundEmail.Kind.STAFF_NEW_ORDER]
    )
    return order


def _order_lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _order_event_log(
    *, order: Order, kind: str, from_state: str, to_state: str, actor_id: int | None
) -> None:
    # Logged after commit, so the log never reports a change that was rolled back.
    transaction.on_commit(
        partial(
            logger.info,
            "order %s %s: %s -> %s",
            order.number,
            kind,
            from_state or "-",
            to_state or "-",
            extra={
                "event": "order.status_changed",
                "order_number": order.number,
                "kind": str(kind),
                "from_state": from_state,
                "to_state": to_state,
                "actor_id": actor_id,
            },
        )
    )


def _order_event(
    *, order: Order, kind: str, from_state: str, to_state: str, actor: AbstractBaseUser | None, note: str
) -> None:
    actor = actor if actor is not None and actor.is_authenticated else None
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
    )
    _order_event_log(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.pk if actor is not None else None,
    )


@transaction.atomic
def order_mark_paid(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Record the payment. Locks the order row; raises InvalidTransition unless it is unpaid and open.

    May run inside the caller's transaction (payments.services applies a gateway's
    notification while holding the payment row).
    """
    order = _order_lock(order)
    if order.is_cancelled:
        raise InvalidTransition(_("A cancelled order cannot be marked as paid."))
    if order.payment_status != Order.PaymentStatus.UNPAID:
        raise InvalidTransition(_("This order has already been paid."))
    order.payment_status = Order.PaymentStatus.PAID
    order.save(update_fields=["payment_status", "updated_at"])
    _order_event(
        order=order, kind=OrderEvent.Kind.PAID, from_state="unpaid", to_state="paid", actor=actor, note=note
    )
    _order_email_enqueue(order=order, kind=OutboundEmail.Kind.PAID)
    return order


@transaction.atomic(durable=True)
def order_ship(
    *,
    order: Order,
    carrier: str,
    tracking_number: str,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> Order:
    """Hand the parcel to a carrier. Locks the order row.

    Raises InvalidTransition for a cancelled, refunded or already shipped
    order, for a missing carrier or tracking number, and for an unpaid order
    unless its payment method ships unpaid (cash on delivery).
    """
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise InvalidTransition(_("Enter the carrier and the tracking number."))
    order = _order_lock(order)
    if order.is_cancelled:
        raise InvalidTransition(_("A cancelled order cannot be shipped."))
    if order.payment_status == Order.PaymentStatus.REFUNDED:
        raise InvalidTransition(_("A refunded order cannot be shipped."))
    if order.fulfilment_status != Order.FulfilmentStatus.UNFULFILLED:
        raise InvalidTransition(_("This order has already been shipped."))
    provider = payment_provider_get(order.payment_method)
    ships_unpaid = provider is not None and provider.ships_unpaid
    if order.payment_status != Order.PaymentStatus.PAID and not ships_unpaid:
        raise InvalidTransition(_("This order must be paid before it is shipped."))
    order.fulfilment_status = Order.FulfilmentStatus.SHIPPED
    order.carrier, order.tracking_number = carrier[:100], tracking_number[:100]
    order.save(update_fields=["fulfilment_status", "carrier", "tracking_number", "updated_at"])
    _order_event(
        order=order,
        kind=OrderEvent.Kind.SHIPPED,
        from_state="unfulfilled",
        to_state="shipped",
        actor=actor,
        note=note or f"{order.carrier} {order.tracking_number}",
    )
    _order_email_enqueue(order=order, kind=OutboundEmail.Kind.SHIPPED)
    return order


@transaction.atomic(durable=True)
def order_mark_delivered(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Record delivery of a shipped order. Locks the order row; raises InvalidTransition otherwise."""
    order = _order_lock(order)
    if order.is_cancelled or order.fulfilment_status != Order.FulfilmentStatus.SHIPPED:
        raise InvalidTransition(_("Only a shipped order can be marked as delivered."))
    order.fulfilment_status = Order.FulfilmentStatus.DELIVERED
    order.save(update_fields=["fulfilment_status", "updated_at"])
    _order_event(
        order=order,
        kind=OrderEvent.Kind.DELIVERED,
        from_state="shipped",
        to_state="delivered",
        actor=actor,
        note=note,
    )
    return order


def _order_restock(*, order: Order, actor: AbstractBaseUser | None) -> None:
    """Return the order's units to stock, variants in ascending id order (S2)."""
    quantities: dict[int, int] = defaultdict(int)
    skus: list[str] = []
    for line in order.lines.all():
        if line.variant_id is not None:
            quantities[line.variant_id] += line.quantity
            skus.append(f"{line.sku} x{line.quantity}")
    for variant_id in sorted(quantities):
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    if quantities:
        _order_event(
            order=order,
            kind=OrderEvent.Kind.RESTOCKED,
            from_state="",
            to_state="",
            actor=actor,
            note=", ".join(skus),
        )
        catalog_mark_changed()
        # The stock came back through update(), past the catalogue's signals:
        # shoppers waiting for a variant that was sold out get their one email,
        # enqueued in this transaction (T4).
        back_in_stock_requests_notify(variant_ids=sorted(quantities))


def _order_cancel_locked(*, order: Order, actor: AbstractBaseUser | None, note: str) -> Order:
    """Cancel an order whose row the caller holds locked; restocks exactly once."""
    if order.is_cancelled:
        raise InvalidTransition(_("This order is already cancelled."))
    if order.fulfilment_status != Order.FulfilmentStatus.UNFULFILLED:
        raise InvalidTransition(_("A shipped order cannot be cancelled."))
    from_state = order.display_status
    order.cancelled_at = timezone.now()
    order.save(update_fields=["cancelled_at", "updated_at"])
    _order_event(
        order=order,
        kind=OrderEvent.Kind.CANCELLED,
        from_state=from_state,
        to_state="cancelled",
        actor=actor,
        note=note,
    )
    _order_restock(order=order, actor=actor)
    _order_email_enqueue(order=order, kind=OutboundEmail.Kind.CANCELLED)
    if order.payment_status == Order.PaymentStatus.PAID and order_paid_online(order=order):
        # The money goes back through the gateway, by a task: never inside this transaction (T3).
        refund_cancelled_order.enqueue(order_id=order.pk)
    return order


@transaction.atomic(durable=True)
def order_cancel(*, order: Order, actor: AbstractBaseUser | None = None, note: str = "") -> Order:
    """Cancel an unshipped order and return its stock, exactly once.

    Locks the order row, so two concurrent cancels restock once: the second
    sees the first's cancellation and raises InvalidTransition.
    """
    return _order_cancel_locked(order=_order_lock(order), actor=actor, note=note)


@transaction.atomic
def order_refund(
    *, order: Order, actor: AbstractBaseUser | None = None, note: str = "", through_gateway: bool = False
) -> Order:
    """Record a refund of a paid order. Locks the order row; raises InvalidTransition unless paid.

    A refund does not return stock: cancel the order (before shipping) for that.
    An order paid through a gateway is refunded by payments.services.payment_refund,
    which calls this with ``through_gateway=True`` once the gateway has sent the
    whole payment back (inside its transaction).
    """
    order = _order_lock(order)
    if order.payment_status != Order.PaymentStatus.PAID:
        raise InvalidTransition(_("Only a paid order can be refunded."))
    if not through_gateway and order_paid_online(order=order):
        raise InvalidTransition(
            _("This order was paid online: refund it from its payment, so the gateway sends the money back.")
        )
    order.payment_status = Order.PaymentStatus.REFUNDED
    order.save(update_fields=["payment_status", "updated_at"])
    _order_event(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        from_state="paid",
        to_state="refunded",
        actor=actor,
        note=note,
    )
    _order_email_enqueue(order=order, kind=OutboundEmail.Kind.REFUNDED)
    return order


def _expired_unpaid_q(cutoff) -> Q:
    return Q(
        payment_status=Order.PaymentStatus.UNPAID,
        fulfilment_status=Order.FulfilmentStatus.UNFULFILLED,
        cancelled_at__isnull=True,
        created_at__lt=cutoff,
    ) & ~Q(payment_method__in=payment_codes_shipping_unpaid())


@transaction.atomic(durable=True)
def _order_cancel_if_expired(*, order_id: int, cutoff) -> str | None:
    # SKIP LOCKED: an order another machine is cancelling (or staff are
    # editing) is left to it; the state is re-checked under our lock.
    order = (
        Order.objects.select_for_update(skip_locked=True)
        .filter(_expired_unpaid_q(cutoff), pk=order_id)
        .first()
    )
    if order is None:
        return None
    _order_cancel_locked(order=order, actor=None, note=_("Payment was not received in time."))
    return order.number


def order_cancel_expired(*, older_than: timedelta) -> list[str]:
    """Cancel unpaid, unfulfilled orders (not cash on delivery) placed more than ``older_than`` ago.

    Safe to run every minute on several machines at once: one transaction per
    order, each order locked with SKIP LOCKED and re-checked. Must not run
    inside a transaction. Returns the cancelled order numbers.
    """
    cutoff = timezone.now() - older_than
    candidates = list(
        Order.objects.filter(_expired_unpaid_q(cutoff)).order_by("id").values_list("pk", flat=True)
    )
    cancelled = []
    for order_id in candidates:
        if (number := _order_cancel_if_expired(order_id=order_id, cutoff=cutoff)) is not None:
            cancelled.append(number)
    return cancelled


@transaction.atomic
def order_partial_refund_record(
    *, order: Order, amount: Decimal, actor: AbstractBaseUser | None = None, note: str = ""
) -> Order:
    """Record that part of a paid order's money was sent back; the order stays paid.

    Locks the order row; raises InvalidTransition unless the order is paid. Used by
    payments.services when a gateway confirms a partial refund.
    """
    order = _order_lock(order)
    if order.payment_status != Order.PaymentStatus.PAID:
        raise InvalidTransition(_("Only a paid order can be refunded."))
    _order_event(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        from_state="paid",
        to_state="paid",
        actor=actor,
        note=note or _("Partial refund of %(amount)s.") % {"amount": format_money(amount)},
    )
    return order
