"""Deterministic paid demo orders over the catalogue, for ``seed_demo_orders`` and the benchmark.

Demo order ``n`` (number ``DEMO0000012`` for n = 12) is built from its own
random generator seeded with ``n``: an "anchor" product, picked with a skew so
some products sell far more than others, plus some of the anchor's fixed
companions (its neighbours in its category and one product of the next
category), so "customers who bought this also bought" has real patterns to
find. The orders are written in bulk: no stock is taken, no email is queued
and no history is written; they exist to feed recommendations and reports.
"""

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Variant
from orders.models import (
    Carrier,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    ShippingMethod,
    access_token_generate,
)
from shop.money import line_total

DEMO_NUMBER_PREFIX = "DEMO"
DEFAULT_ORDERS = 600
MAX_ORDERS = 1_000_000
SEED = "maple-and-pine-demo-orders-1"
_TOKEN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/maple-and-pine/demo-orders")
_BATCH = 2000
_DAYS = 120  # orders spread over this many days before now
_CUSTOMERS = 400
_NAMES = (
    "Ann Lee",
    "Wang Fang",
    "Li Na",
    "Zhang Wei",
    "Chen Jing",
    "Liu Yang",
    "Mei Tan",
    "Lena Hoffmann",
    "Tom Baker",
    "Sofia Rossi",
)
_CITIES = (
    ("Zhejiang", "Hangzhou", "310000"),
    ("Shanghai", "Shanghai", "200000"),
    ("Beijing", "Beijing", "100000"),
    ("Guangdong", "Shenzhen", "518000"),
    ("Sichuan", "Chengdu", "610000"),
    ("Jiangsu", "Suzhou", "215000"),
)


@dataclass(frozen=True)
class DemoOrdersResult:
    """What one run of ``demo_orders_seed`` did."""

    orders: int
    orders_created: int
    lines_created: int
    seconds: float


@dataclass(frozen=True)
class _Item:
    product_id: int
    category_id: int
    variant_id: int
    name: str
    sku: str
    options_label: str
    price: Decimal


class _Shelf:
    """The products demo orders are made of, with each one's companions."""

    def __init__(self, items: list[_Item]) -> None:
        self.items = items
        by_category: dict[int, list[int]] = {}
        for index, item in enumerate(items):
            by_category.setdefault(item.category_id, []).append(index)
        categories = sorted(by_category)
        self._companions: list[tuple[int, ...]] = []
        for index, item in enumerate(items):
            siblings = by_category[item.category_id]
            position = siblings.index(index)
            near = [siblings[(position + step) % len(siblings)] for step in (1, 2, 3)]
            other = by_category[categories[(categories.index(item.category_id) + 1) % len(categories)]]
            companions = [*near, other[position % len(other)]]
            self._companions.append(tuple(dict.fromkeys(pk for pk in companions if pk != index)))
        # A fixed popularity order, so bestsellers are spread over the categories.
        self._by_popularity = list(range(len(items)))
        random.Random(SEED).shuffle(self._by_popularity)

    def basket(self, rng: random.Random) -> list[int]:
        """Indexes of the items of one order: an anchor, some companions, sometimes a stray item."""
        anchor = self._by_popularity[int(len(self.items) * rng.random() ** 3)]
        chosen = [anchor]
        for companion, chance in zip(self._companions[anchor], (0.6, 0.35, 0.2, 0.3), strict=False):
            if rng.random() < chance:
                chosen.append(companion)
        if rng.random() < 0.25:
            chosen.append(rng.randrange(len(self.items)))
        return list(dict.fromkeys(chosen))


def _shelf() -> _Shelf:
    """Every sellable product once, with its first active variant (one query)."""
    rows = (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
        .select_related("product")
    )
    return _Shelf(
        [
            _Item(
                product_id=variant.product_id,
                category_id=variant.product.category_id,
                variant_id=variant.pk,
                name=variant.product.name,
                sku=variant.sku,
                options_label=variant.options_label,
                price=variant.price,
            )
            for variant in rows
        ]
    )


def demo_order_number(number: int) -> str:
    """The order number of demo order ``number``: ``DEMO0000012`` for 12."""
    return f"{DEMO_NUMBER_PREFIX}{number:07d}"


def _demo_order(
    number: int, shelf: _Shelf, shipping: ShippingMethod | None, now
) -> tuple[Order, list[OrderLine], object]:
    rng = random.Random(f"{SEED}:{number}")
    lines = []
    for index in shelf.basket(rng):
        item = shelf.items[index]
        quantity = 1 if rng.random() < 0.8 else 2
        lines.append(
            OrderLine(
                variant_id=item.variant_id,
                product_name=item.name,
                sku=item.sku,
                options_label=item.options_label,
                unit_price=item.price,
                quantity=quantity,
                line_total=line_total(item.price, quantity),
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    shipping_total = shipping.price_for(subtotal) if shipping else Decimal("0.00")
    placed = now - timedelta(days=_DAYS * rng.random())
    age = now - placed
    customer = rng.randrange(1, _CUSTOMERS + 1)
    province, city, postal_code = rng.choice(_CITIES)
    if age > timedelta(days=10):
        fulfilment = Order.FulfilmentStatus.DELIVERED
    elif age > timedelta(days=2):
        fulfilment = Order.FulfilmentStatus.SHIPPED
    else:
        fulfilment = Order.FulfilmentStatus.UNFULFILLED
    shipped = fulfilment != Order.FulfilmentStatus.UNFULFILLED
    order = Order(
        number=demo_order_number(number),
        checkout_token=uuid.uuid5(_TOKEN_NAMESPACE, str(number)),
        access_token=access_token_generate(),
        email=f"demo.customer{customer}@example.com",
        email_canonical=f"demo.customer{customer}@example.com",  # bulk_create skips save()
        full_name=_NAMES[customer % len(_NAMES)],
        phone=f"138{customer:08d}",
        country="CN",
        province=province,
        city=city,
        postal_code=postal_code,
        address_line1=f"{rng.randint(1, 300)} Demo Road",
        shipping_method=shipping,
        shipping_method_name=shipping.name if shipping else "Standard",
        payment_method="bank_transfer" if rng.random() < 0.7 else "cod",
        payment_status=Order.PaymentStatus.PAID,
        fulfilment_status=fulfilment,
        carrier="SF Express" if shipped else "",
        tracking_number=f"SF{number:010d}" if shipped else "",
        subtotal=subtotal,
        shipping_total=shipping_total,
        grand_total=subtotal + shipping_total,
        language="zh-hans" if customer % 3 == 0 else "en",
    )
    return order, lines, placed


def _numbers_missing(orders: int) -> Iterator[int]:
    existing = set(
        Order.objects.filter(number__startswith=DEMO_NUMBER_PREFIX).values_list("number", flat=True)
    )
    return (number for number in range(1, orders + 1) if demo_order_number(number) not in existing)


def _placed_at_set(placed: list[tuple[int, object]]) -> None:
    # auto_now_add overrides created_at on insert: spread the orders over time afterwards.
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET created_at = t.placed, updated_at = t.placed "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(id, placed) WHERE o.id = t.id",
            [[pk for pk, _ in placed], [moment for _, moment in placed]],
        )


def demo_orders_seed(*, orders: int = DEFAULT_ORDERS) -> DemoOrdersResult:
    """Make sure demo orders 1..``orders`` exist: paid, deterministic, over today's catalogue.

    Idempotent: demo orders that exist (by number) are left alone, so a second
    run adds nothing. Bulk inserts in one transaction, then refreshes the
    planner statistics of the order tables; takes no stock, queues no email.
    Does nothing without sellable products. Must not run inside a transaction.
    Raises ``ValueError`` for a count outside 0..MAX_ORDERS.
    """
    if not 0 <= orders <= MAX_ORDERS:
        raise ValueError(f"orders must be between 0 and {MAX_ORDERS}")
    started = time.monotonic()
    created = lines_created = 0
    shelf = _shelf()
    if shelf.items:
        shipping = ShippingMethod.objects.filter(is_active=True).order_by("position", "id").first()
        now = timezone.now()
        with transaction.atomic(durable=True):
            batch: list[tuple[Order, list[OrderLine], object]] = []
            for number in _numbers_missing(orders):
                batch.append(_demo_order(number, shelf, shipping, now))
                if len(batch) == _BATCH:
                    lines_created += _batch_insert(batch)
                    created += len(batch)
                    batch = []
            if batch:
                lines_created += _batch_insert(batch)
                created += len(batch)
        if created:
            _statistics_refresh()
    return DemoOrdersResult(
        orders=orders, orders_created=created, lines_created=lines_created, seconds=time.monotonic() - started
    )


def _statistics_refresh() -> None:
    # After a bulk load the planner's row counts are stale until autovacuum
    # gets round to it; the recommendations count that follows needs them now.
    with connection.cursor() as cursor:
        for model in (Order, OrderLine):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _batch_insert(batch: list[tuple[Order, list[OrderLine], object]]) -> int:
    saved = Order.objects.bulk_create([order for order, _, _ in batch])
    _placed_at_set([(order.pk, placed) for order, (_, _, placed) in zip(saved, batch, strict=True)])
    lines = []
    for order, order_lines, _ in batch:
        for line in order_lines:
            line.order_id = order.pk
            lines.append(line)
    OrderLine.objects.bulk_create(lines, batch_size=_BATCH * 2)
    _parcels_insert([(order, order_lines) for order, order_lines, _ in batch])
    return len(lines)


def _parcels_insert(orders: list[tuple[Order, list[OrderLine]]]) -> None:
    """One parcel of everything for each shipped or delivered demo order, as staff would have sent it."""
    shipped = [(order, lines) for order, lines in orders if order.tracking_number]
    carrier = Carrier.objects.filter(code="sf-express").first()
    Order.objects.filter(pk__in=[order.pk for order, _lines in shipped]).update(shipping_carrier=carrier)
    parcels = Shipment.objects.bulk_create(
        Shipment(
            order=order,
            carrier=carrier,
            carrier_name=order.carrier,
            tracking_number=order.tracking_number,
            shipped_at=timezone.now(),
        )
        for order, _lines in shipped
    )
    ShipmentLine.objects.bulk_create(
        (
            ShipmentLine(shipment=parcel, order_line=line, quantity=line.quantity)
            for parcel, (_order, lines) in zip(parcels, shipped, strict=True)
            for line in lines
        ),
        batch_size=_BATCH * 2,
    )
