"""Helpers for the after-sales tests: a delivered order placed through checkout, and requests on it."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from aftersales.models import AfterSalesRequest
from aftersales.rules import RequestLine
from aftersales.services import (
    after_sales_approve,
    after_sales_receive,
    after_sales_request_create,
    after_sales_return_parcel,
)
from catalog.models import Variant
from orders.models import Order
from orders.services import order_mark_paid, order_receipt_confirm, order_ship
from tests.factories import CarrierFactory, ProductFactory, StaffUserFactory, VariantFactory
from tests.orders.helpers import place


def delivered(order: Order, *, paid: bool = True, received_at: datetime | None = None) -> Order:
    """``order`` paid (unless told otherwise), shipped in one parcel and received (at ``received_at``)."""
    if paid:
        order_mark_paid(order=order)
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF100")
    order_receipt_confirm(order=order)
    if received_at is not None:
        Order.objects.filter(pk=order.pk).update(received_at=received_at)
    return Order.objects.get(pk=order.pk)


def two_line_order(*, received_at: datetime | None = None, paid: bool = True, **checkout) -> Order:
    """A paid, shipped and received order of 2 teapots (¥100 each) and 1 tea (¥50), through checkout."""
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=10)
    tea = VariantFactory(product=ProductFactory(name="Tea"), price=Decimal("50.00"), stock=10)
    order = place((teapot, 2), (tea, 1), **checkout)
    return delivered(order, paid=paid, received_at=received_at)


def line_of(order: Order, product_name: str):
    return order.lines.get(product_name=product_name)


def ask(
    order: Order, *, kind="return", reason="changed_mind", lines=None, exchange_for=None, **extra
) -> AfterSalesRequest:
    """A request for ``lines`` ({product name: units}, default one teapot) of ``order``.

    ``exchange_for``: {product name: variant} the shopper wants instead (an exchange).
    """
    lines = lines or {"Teapot": 1}
    exchange_for = exchange_for or {}
    return after_sales_request_create(
        order=order,
        kind=kind,
        reason=reason,
        lines=[
            RequestLine(
                order_line_id=line_of(order, name).pk,
                quantity=units,
                exchange_variant_id=exchange_for[name].pk if name in exchange_for else None,
            )
            for name, units in lines.items()
        ],
        **extra,
    )


def fresh(request: AfterSalesRequest) -> AfterSalesRequest:
    return AfterSalesRequest.objects.select_related("order").get(pk=request.pk)


def staff():
    return StaffUserFactory()


def approved(request: AfterSalesRequest, *, actor=None) -> AfterSalesRequest:
    """The request approved by staff (with a return address when goods come back)."""
    return after_sales_approve(request=request, actor=actor or staff(), return_address="1 Shop Road")


def received(
    request: AfterSalesRequest, *, restock: Mapping[str, int] | None = None, actor=None
) -> AfterSalesRequest:
    """A return or exchange approved, sent back and received; ``restock``: {product name: units}."""
    actor = actor or staff()
    request = approved(request, actor=actor)
    after_sales_return_parcel(request=request, carrier="SF Express", tracking_number="SF9")
    lines = list(request.lines.select_related("order_line"))
    units = {
        line.pk: (line.quantity if restock is None else restock.get(line.order_line.product_name, 0))
        for line in lines
    }
    return after_sales_receive(request=fresh(request), actor=actor, restock=units)


def stock_of(variant: Variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def now() -> datetime:
    return timezone.now()
