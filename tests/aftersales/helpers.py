"""Helpers for the after-sales tests: a delivered order placed through checkout, and requests on it."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from aftersales.models import AfterSalesRequest
from aftersales.rules import RequestLine
from aftersales.services import after_sales_request_create
from catalog.models import Variant
from orders.models import Order
from orders.services import order_mark_paid, order_receipt_confirm, order_ship
from tests.factories import CarrierFactory, ProductFactory, VariantFactory
from tests.orders.helpers import place


def two_line_order(*, received_at: datetime | None = None, paid: bool = True, **checkout) -> Order:
    """A paid, shipped and received order of 2 teapots (¥100 each) and 1 tea (¥50), through checkout."""
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=10)
    tea = VariantFactory(product=ProductFactory(name="Tea"), price=Decimal("50.00"), stock=10)
    order = place((teapot, 2), (tea, 1), **checkout)
    if paid:
        order_mark_paid(order=order)
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF100")
    order_receipt_confirm(order=order)
    if received_at is not None:
        Order.objects.filter(pk=order.pk).update(received_at=received_at)
    return Order.objects.get(pk=order.pk)


def line_of(order: Order, product_name: str):
    return order.lines.get(product_name=product_name)


def ask(order: Order, *, kind="return", reason="changed_mind", lines=None, **extra) -> AfterSalesRequest:
    """A request for ``lines`` ({product name: units}, default one teapot) of ``order``."""
    lines = lines or {"Teapot": 1}
    return after_sales_request_create(
        order=order,
        kind=kind,
        reason=reason,
        lines=[
            RequestLine(order_line_id=line_of(order, name).pk, quantity=units)
            for name, units in lines.items()
        ],
        **extra,
    )


def stock_of(variant: Variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def now() -> datetime:
    return timezone.now()
