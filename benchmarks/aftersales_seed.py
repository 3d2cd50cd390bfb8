"""The after-sales section's data: requests on the delivered demo orders, seeded once.

The demo orders of the recommendations section (100,000 lines) are ensured
first. Delivered demo orders get a receipt time (four days after they were
placed), and about 3% of them an after-sales request (mixed kinds, reasons
and states; some orders a second one), bulk-inserted once: later runs reuse
them. The rows keep the constraints and the rules the measured reads rely
on: only shipped units are asked about, and never more than an order line
holds; amounts are plausible, not exact to the cent, and orders' payment
states are left as they were.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import AfterSalesEvent, AfterSalesLine, AfterSalesRequest, request_number_generate
from aftersales.rules import REASONS_BY_KIND, units_refund_amount, window_days
from orders.demo_orders import DEMO_NUMBER_PREFIX, SEED
from orders.models import Carrier, Order, OrderLine, Shipment, ShipmentLine

REQUEST_SHARE = 0.03  # of delivered orders, as a shop with a modest return rate sees
SECOND_REQUEST_SHARE = 0.15  # of orders with a request and units left: a second one
RECEIVED_AFTER = timedelta(days=4)
RETURN_ADDRESS = "Maple & Pine returns\n88 Warehouse Road\nHangzhou 310000"

Kind = AfterSalesRequest.Kind
Status = AfterSalesRequest.Status
# Where requests of each kind end up, and the open states on the way (weights).
_FINAL = {
    Kind.RETURN: ((Status.REFUNDED, 70), (Status.REJECTED, 10), (Status.WITHDRAWN, 10), (Status.CLOSED, 10)),
    Kind.REFUND: ((Status.REFUNDED, 75), (Status.REJECTED, 15), (Status.WITHDRAWN, 10)),
    Kind.EXCHANGE: (
        (Status.EXCHANGED, 70),
        (Status.REJECTED, 10),
        (Status.WITHDRAWN, 10),
        (Status.CLOSED, 10),
    ),
}
_OPEN = {
    Kind.RETURN: (
        (Status.REQUESTED, 35),
        (Status.APPROVED, 20),
        (Status.RETURNING, 25),
        (Status.RECEIVED, 15),
        (Status.REFUNDING, 5),
    ),
    Kind.REFUND: ((Status.REQUESTED, 60), (Status.APPROVED, 25), (Status.REFUNDING, 15)),
    Kind.EXCHANGE: (
        (Status.REQUESTED, 40),
        (Status.APPROVED, 20),
        (Status.RETURNING, 25),
        (Status.RECEIVED, 15),
    ),
}
_KINDS = ((Kind.RETURN, 65), (Kind.REFUND, 15), (Kind.EXCHANGE, 20))
_OPEN_DAYS = 10  # requests younger than this are still being handled
_STUCK_SHARE = 0.03  # older requests nobody finished
_GOODS_BACK_STATES = frozenset({Status.RETURNING, Status.RECEIVED, Status.REFUNDING, Status.REFUNDED})
_RECEIVED_STATES = frozenset({Status.RECEIVED, Status.REFUNDING, Status.REFUNDED, Status.EXCHANGED})
_APPROVED_STATES = frozenset(
    {
        Status.APPROVED,
        Status.RETURNING,
        Status.RECEIVED,
        Status.REFUNDING,
        Status.REFUNDED,
        Status.EXCHANGED,
        Status.CLOSED,
    }
)


@dataclass(frozen=True)
class _Line:
    pk: int
    quantity: int
    paid_total: Decimal
    variant_id: int | None


@dataclass(frozen=True)
class AfterSalesSeeded:
    requests: int
    lines: int
    seconds: float


def _pick(rng: random.Random, weighted: tuple) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _delivered_demo_orders() -> list[tuple[int, str, datetime]]:
    return list(
        Order.objects.filter(
            number__startswith=DEMO_NUMBER_PREFIX,
            fulfilment_status=Order.FulfilmentStatus.DELIVERED,
            payment_status=Order.PaymentStatus.PAID,
            cancelled_at__isnull=True,
            received_at__isnull=False,
        )
        .order_by("number")
        .values_list("pk", "number", "received_at")
    )


def _receipts_set(now: datetime) -> None:
    """Delivered demo orders were received four days after they were placed (never in the future)."""
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET received_at = LEAST(created_at + %s, %s) "
            "WHERE number LIKE %s AND fulfilment_status = %s AND received_at IS NULL",
            [RECEIVED_AFTER, now, DEMO_NUMBER_PREFIX + "%", Order.FulfilmentStatus.DELIVERED],
        )


def _parcels_ensure(order_ids: list[int]) -> None:
    """One parcel of everything for chosen orders that have none (demo orders made before parcels were)."""
    have = set(
        ShipmentLine.objects.filter(order_line__order_id__in=order_ids).values_list(
            "order_line__order_id", flat=True
        )
    )
    missing = [pk for pk in order_ids if pk not in have]
    if not missing:
        return
    carrier = Carrier.objects.filter(code="sf-express").first()
    orders = Order.objects.filter(pk__in=missing).values_list("pk", "carrier", "tracking_number")
    parcels = Shipment.objects.bulk_create(
        Shipment(
            order_id=pk,
            carrier=carrier,
            carrier_name=carrier_name or "SF Express",
            tracking_number=tracking or f"SF-BENCH-{pk}",
        )
        for pk, carrier_name, tracking in orders
    )
    by_order = {parcel.order_id: parcel for parcel in parcels}
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=by_order[order_id], order_line_id=pk, quantity=quantity)
        for pk, order_id, quantity in OrderLine.objects.filter(order_id__in=missing).values_list(
            "pk", "order_id", "quantity"
        )
    )


def _lines_by_order(order_ids: list[int]) -> dict[int, list[_Line]]:
    lines: dict[int, list[_Line]] = {}
    rows = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .order_by("id")
        .values_list("pk", "order_id", "quantity", "line_total", "discount_total", "variant_id")
    )
    for pk, order_id, quantity, total, discount, variant_id in rows:
        lines.setdefault(order_id, []).append(_Line(pk, quantity, total - discount, variant_id))
    return lines


class _Builder:
    """Requests for one order at a time, keeping its units and refunds within what it holds."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.requests: list[AfterSalesRequest] = []
        self.created: list[datetime] = []
        self.lines: list[list[AfterSalesLine]] = []

    def add(
        self, rng: random.Random, order_id: int, received: datetime, lines: list[_Line], left: dict[int, int]
    ) -> None:
        kind = _pick(rng, _KINDS)
        reason = rng.choice(REASONS_BY_KIND[kind])
        window = window_days(reason=reason)
        created = min(received + timedelta(days=window * rng.random()), self.now - timedelta(minutes=5))
        age = self.now - created
        still_open = age < timedelta(days=_OPEN_DAYS) or rng.random() < _STUCK_SHARE
        status = _pick(rng, _OPEN[kind] if still_open else _FINAL[kind])
        candidates = [line for line in lines if left[line.pk] > 0 and line.variant_id is not None]
        chosen = rng.sample(candidates, k=min(len(candidates), 1 if rng.random() < 0.8 else 2))
        asked = []
        refunded_amount = Decimal("0.00")
        for line in chosen:
            quantity = rng.randint(1, left[line.pk])
            left[line.pk] -= quantity
            amount = Decimal("0.00")
            if status in (Status.REFUNDING, Status.REFUNDED):
                before = line.quantity - left[line.pk] - quantity
                amount = units_refund_amount(
                    paid_total=line.paid_total, quantity=line.quantity, refunded_before=before, units=quantity
                )
                refunded_amount += amount
            asked.append(
                AfterSalesLine(
                    order_line_id=line.pk,
                    quantity=quantity,
                    refund_amount=amount,
                    exchange_variant_id=line.variant_id if kind == Kind.EXCHANGE else None,
                )
            )
        goods_back = kind != Kind.REFUND
        handled = created + timedelta(days=min(age.days, 1 + rng.randint(0, 3)))
        self.requests.append(
            AfterSalesRequest(
                number=request_number_generate(),
                order_id=order_id,
                kind=kind,
                reason=reason,
                description="Bench request." if rng.random() < 0.7 else "",
                status=status,
                return_address=RETURN_ADDRESS if goods_back and status in _APPROVED_STATES else "",
                rejection_reason="Outside what we can accept." if status == Status.REJECTED else "",
                return_carrier="SF Express" if goods_back and status in _GOODS_BACK_STATES else "",
                return_tracking_number=(
                    f"SFR{order_id:09d}{len(self.requests):04d}"
                    if goods_back and status in _GOODS_BACK_STATES
                    else ""
                ),
                refund_amount=refunded_amount if refunded_amount > 0 else None,
                refund_reference="BENCH-OFFLINE" if status == Status.REFUNDED else "",
                exchange_carrier="SF Express" if status == Status.EXCHANGED else "",
                exchange_tracking_number=f"SFX{order_id:09d}" if status == Status.EXCHANGED else "",
                goods_received_at=handled if goods_back and status in _RECEIVED_STATES else None,
                closed_at=handled if status in AfterSalesRequest.FINAL_STATUSES else None,
            )
        )
        self.created.append(created)
        self.lines.append(asked)


def _created_at_set(rows: list[tuple[int, datetime]]) -> None:
    # auto_now_add overrides created_at on insert: put each request (and its first event) at its time.
    for model in (AfterSalesRequest, AfterSalesEvent):
        table = connection.ops.quote_name(model._meta.db_table)
        key = "id" if model is AfterSalesRequest else "request_id"
        updated = ", updated_at = t.created" if model is AfterSalesRequest else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS r SET created_at = t.created{updated} "
                f"FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(id, created) WHERE r.{key} = t.id",
                [[pk for pk, _ in rows], [moment for _, moment in rows]],
            )


def after_sales_demo_seed(*, share: float = REQUEST_SHARE) -> AfterSalesSeeded:
    """Requests on about ``share`` of the delivered demo orders, once (nothing when any exist).

    Deterministic per order number (which orders, kinds, reasons, lines); at least one order
    with units to spare gets two requests. Bulk inserts in one transaction, no services, no
    stock, no email. Must not run inside a transaction.
    """
    started = time.monotonic()
    if AfterSalesRequest.objects.filter(order__number__startswith=DEMO_NUMBER_PREFIX).exists():
        return AfterSalesSeeded(requests=0, lines=0, seconds=0.0)
    now = timezone.now()
    with transaction.atomic(durable=True):
        _receipts_set(now)
        orders = _delivered_demo_orders()
        generators = {number: random.Random(f"{SEED}:aftersales:{number}") for _pk, number, _ in orders}
        chosen = [
            (pk, number, received) for pk, number, received in orders if generators[number].random() < share
        ]
        _parcels_ensure([pk for pk, _number, _received in chosen])
        lines = _lines_by_order([pk for pk, _number, _received in chosen])
        builder = _Builder(now)
        two_made = False
        for pk, number, received in chosen:
            rng = generators[number]
            order_lines = lines.get(pk, [])
            left = {line.pk: line.quantity for line in order_lines}
            if not any(left[line.pk] and line.variant_id for line in order_lines):
                continue
            builder.add(rng, pk, received, order_lines, left)
            spare = any(left[line.pk] and line.variant_id for line in order_lines)
            if spare and (not two_made or rng.random() < SECOND_REQUEST_SHARE):
                builder.add(rng, pk, received, order_lines, left)
                two_made = True
        saved = AfterSalesRequest.objects.bulk_create(builder.requests, batch_size=2000)
        for request, asked in zip(saved, builder.lines, strict=True):
            for line in asked:
                line.request_id = request.pk
        AfterSalesLine.objects.bulk_create(
            [line for asked in builder.lines for line in asked], batch_size=4000
        )
        AfterSalesEvent.objects.bulk_create(
            AfterSalesEvent(
                request_id=request.pk, from_status="", to_status=request.status, note="Bench data."
            )
            for request in saved
        )
        _created_at_set(
            [(request.pk, created) for request, created in zip(saved, builder.created, strict=True)]
        )
    with connection.cursor() as cursor:
        for model in (Order, AfterSalesRequest, AfterSalesLine):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return AfterSalesSeeded(
        requests=len(saved),
        lines=sum(len(asked) for asked in builder.lines),
        seconds=time.monotonic() - started,
    )
