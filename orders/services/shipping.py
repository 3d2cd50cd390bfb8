"""Shipping an order in parcels: which lines and how many units go in each, with whom.

Every parcel is written with the order row locked, and what is left to ship is
counted under that lock, so two staff shipping the same order at once queue on
the row and the second sees the first one's parcel: no unit ships twice.
"""

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from orders.exceptions import InvalidTransition
from orders.models import Carrier, Order, OrderEvent, OutboundEmail, Shipment, ShipmentLine
from orders.payment_methods import payment_provider_get
from orders.selectors import order_line_quantities_left
from orders.services.records import order_change_save, order_lock

SHIPPABLE = (Order.FulfilmentStatus.UNFULFILLED, Order.FulfilmentStatus.PARTLY_SHIPPED)


def _parcel_check(order: Order) -> None:
    if order.is_cancelled:
        raise InvalidTransition(_("A cancelled order cannot be shipped."))
    if order.payment_status == Order.PaymentStatus.REFUNDED:
        raise InvalidTransition(_("A refunded order cannot be shipped."))
    if order.fulfilment_status not in SHIPPABLE:
        raise InvalidTransition(_("This order has already been shipped."))
    provider = payment_provider_get(order.payment_method)
    ships_unpaid = provider is not None and provider.ships_unpaid
    if order.payment_status != Order.PaymentStatus.PAID and not ships_unpaid:
        raise InvalidTransition(_("This order must be paid before it is shipped."))


def _parcel_contents(left: dict[int, int], quantities: Mapping[int, int] | None) -> dict[int, int]:
    """The units going in the parcel by line id: ``quantities`` checked against ``left``, or all of it."""
    if quantities is None:
        return {line_id: units for line_id, units in left.items() if units > 0}
    contents = {}
    for line_id, units in quantities.items():
        if line_id not in left:
            raise InvalidTransition(_("That item is not part of this order."))
        if units < 0:
            raise InvalidTransition(_("A quantity cannot be negative."))
        if units > left[line_id]:
            raise InvalidTransition(
                _("Only %(left)d of that item are left to ship; nothing was shipped.")
                % {"left": left[line_id]}
            )
        if units:
            contents[line_id] = units
    if not contents:
        raise InvalidTransition(_("Put at least one item in the parcel."))
    return contents


@transaction.atomic(durable=True)
def shipment_create(
    *,
    order: Order,
    carrier: Carrier,
    tracking_number: str,
    quantities: Mapping[int, int] | None = None,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> Shipment:
    """Send a parcel of the order: ``quantities`` (units by order line id), or everything left when None.

    Locks the order row, then counts what is left under the lock. The order is shipped
    once every unit is in a parcel, partly shipped until then; each parcel records a
    "shipped" event and sends the shopper the shipped email. Raises InvalidTransition
    (nothing written) for a cancelled, refunded, fully shipped or unpaid order (unless
    it ships unpaid), a missing tracking number or one this order's parcels already have (a
    form submitted twice), a line of another order, more units than are left, or an empty
    parcel. Must not run inside a transaction.
    """
    tracking_number = "".join(tracking_number.split())[:100]
    if not tracking_number:
        raise InvalidTransition(_("Enter the tracking number."))
    order = order_lock(order)
    if order.shipments.filter(tracking_number=tracking_number).exists():
        # Under the lock: a form submitted twice (a double click) records its parcel once.
        raise InvalidTransition(
            _("A parcel with the tracking number %(number)s was already recorded for this order.")
            % {"number": tracking_number}
        )
    _parcel_check(order)
    left = order_line_quantities_left(order=order)
    contents = _parcel_contents(left, quantities)
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier,
        carrier_name=carrier.name[:100],
        tracking_number=tracking_number,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line_id=line_id, quantity=units)
        for line_id, units in sorted(contents.items())
    )
    complete = all(left[line_id] == contents.get(line_id, 0) for line_id in left)
    before = order.fulfilment_status
    order.fulfilment_status = (
        Order.FulfilmentStatus.SHIPPED if complete else Order.FulfilmentStatus.PARTLY_SHIPPED
    )
    order.shipping_carrier = carrier
    order.carrier, order.tracking_number = shipment.carrier_name, tracking_number
    units = sum(contents.values())
    order_change_save(
        order=order,
        fields=["fulfilment_status", "carrier", "shipping_carrier", "tracking_number"],
        kind=OrderEvent.Kind.SHIPPED,
        from_state=before,
        to_state=order.fulfilment_status,
        actor=actor,
        note=note or f"{shipment.carrier_name} {tracking_number} ({units})",
        email=OutboundEmail.Kind.SHIPPED,
    )
    return shipment
