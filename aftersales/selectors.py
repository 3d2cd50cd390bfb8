"""Reads of after-sales: what an order's lines may still be asked about, requests, amounts, the report."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q, Sum
from django.http import Http404, HttpRequest

from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.rules import RequestLine, units_refund_amount, window_days, window_end
from catalog.models import ReturnExemption, Variant
from orders.models import Order, OrderLine, ShipmentLine
from orders.selectors import order_get_visible
from payments.models import Refund

# Requests whose units count as refunded (or being refunded) when the next refund is computed.
REFUNDED_STATUSES = (AfterSalesRequest.Status.REFUNDING, AfterSalesRequest.Status.REFUNDED)
SHIPPED_STATES = (
    Order.FulfilmentStatus.PARTLY_SHIPPED,
    Order.FulfilmentStatus.SHIPPED,
    Order.FulfilmentStatus.DELIVERED,
)


@dataclass(frozen=True)
class LineAvailability:
    """One order line as after-sales sees it: units shipped, units already asked about, what is left."""

    order_line: OrderLine
    shipped: int
    asked: int

    @property
    def available(self) -> int:
        return max(0, self.shipped - self.asked)

    @property
    def no_reason_exempt(self) -> bool:
        return self.order_line.return_exemption != ReturnExemption.NONE

    @property
    def exemption_label(self) -> str:
        return ReturnExemption(self.order_line.return_exemption).label if self.no_reason_exempt else ""


def order_after_sales_possible(*, order: Order) -> bool:
    """Whether the order's state allows after-sales at all (read from the row alone, no query)."""
    return (
        not order.is_cancelled
        and order.payment_status == Order.PaymentStatus.PAID
        and order.fulfilment_status in SHIPPED_STATES
    )


def order_receipt_moment(*, order: Order) -> datetime | None:
    """When the windows start: the receipt, else when the goods count as received.

    An order not received yet counts as received ORDER_AUTO_COMPLETE_DAYS after its last
    parcel (when ``complete_shipped_orders`` would complete it if everything had shipped),
    so the windows of a partly shipped order, which is never completed, still end. None
    without a parcel; one query unless the order is received.
    """
    if order.received_at is not None:
        return order.received_at
    last_parcel = order.shipments.aggregate(last=Max("shipped_at"))["last"]
    return last_parcel + timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS) if last_parcel else None


def order_after_sales_deadlines(*, order: Order) -> tuple[datetime | None, datetime | None]:
    """When the no-reason and the faulty-goods windows end for this order; None without a parcel.

    The receipt moment is read once (one query unless the order is received).
    """
    receipt = order_receipt_moment(order=order)
    if receipt is None:
        return None, None
    return tuple(
        window_end(received_at=receipt, days=window_days(reason=reason))
        for reason in (AfterSalesRequest.Reason.CHANGED_MIND, AfterSalesRequest.Reason.FAULTY)
    )


def order_after_sales_deadline(*, order: Order, no_reason: bool) -> datetime | None:
    """When the no-reason (or the faulty-goods) window ends for this order; None without a parcel."""
    no_reason_end, faulty_end = order_after_sales_deadlines(order=order)
    return no_reason_end if no_reason else faulty_end


def order_line_availability(*, order: Order) -> list[LineAvailability]:
    """Every line of the order with its units shipped and already asked about (three queries)."""
    lines = list(order.lines.select_related("variant").order_by("id"))
    shipped = dict(
        ShipmentLine.objects.filter(order_line__order=order)
        .values_list("order_line")
        .annotate(units=Sum("quantity"))
        .values_list("order_line", "units")
    )
    asked = dict(
        AfterSalesLine.objects.filter(request__order=order)
        .exclude(request__status__in=AfterSalesRequest.INACTIVE_STATUSES)
        .values_list("order_line")
        .annotate(units=Sum("quantity"))
        .values_list("order_line", "units")
    )
    return [
        LineAvailability(order_line=line, shipped=shipped.get(line.pk, 0), asked=asked.get(line.pk, 0))
        for line in lines
    ]


def exchange_options_by_line(*, lines: list[OrderLine]) -> dict[int, list[Variant]]:
    """Per order line, the options it may be exchanged for: active variants of its product at its
    variant's price, the bought one included (one query; none for lines whose variant is gone).
    """
    bought = {line.pk: line.variant for line in lines if line.variant is not None}
    if not bought:
        return {}
    candidates = list(
        Variant.objects.filter(
            product_id__in={variant.product_id for variant in bought.values()},
            is_active=True,
            product__is_active=True,
        ).order_by("product_id", "id")
    )
    return {
        line_id: [
            option
            for option in candidates
            if option.product_id == variant.product_id and option.price == variant.price
        ]
        for line_id, variant in bought.items()
    }


@dataclass(frozen=True)
class RefundPreviewLine:
    """One line of a request before it is sent: the order line, the units and what they give back."""

    order_line: OrderLine
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class RefundPreview:
    """What a request would give back for its units (shipping is refunded only when everything comes back)."""

    lines: list[RefundPreviewLine]
    total: Decimal


def refund_preview(*, order: Order, lines: list[RequestLine]) -> RefundPreview:
    """The refund the asked units would get if refunded now, by the refund's own arithmetic (one query).

    Units of other requests refunded or being refunded count first, so the preview shows what
    these units add; unknown lines and zero quantities are left out.
    """
    order_lines = {line.pk: line for line in order.lines.all()}
    refunded = units_refunded_by_line(order=order)
    preview = []
    for asked in lines:
        line = order_lines.get(asked.order_line_id)
        if line is None or asked.quantity <= 0:
            continue
        amount = units_refund_amount(
            paid_total=line.paid_total,
            quantity=line.quantity,
            refunded_before=refunded.get(line.pk, 0),
            units=asked.quantity,
        )
        preview.append(RefundPreviewLine(order_line=line, quantity=asked.quantity, amount=amount))
    return RefundPreview(lines=preview, total=sum((line.amount for line in preview), Decimal("0.00")))


def units_refunded_by_line(
    *, order: Order, exclude_request: AfterSalesRequest | None = None
) -> dict[int, int]:
    """Units of each order line in requests refunded or being refunded (besides ``exclude_request``)."""
    requests = AfterSalesLine.objects.filter(request__order=order, request__status__in=REFUNDED_STATUSES)
    if exclude_request is not None:
        requests = requests.exclude(request=exclude_request)
    return dict(
        requests.values_list("order_line").annotate(units=Sum("quantity")).values_list("order_line", "units")
    )


def order_after_sales_refunded(
    *, order: Order, exclude_request: AfterSalesRequest | None = None
) -> tuple[Decimal, Decimal]:
    """What after-sales refunded or is refunding of the order: in all, and of that its shipping."""
    requests = AfterSalesRequest.objects.filter(order=order, status__in=REFUNDED_STATUSES)
    if exclude_request is not None:
        requests = requests.exclude(pk=exclude_request.pk)
    sums = requests.aggregate(total=Sum("refund_amount"), shipping=Sum("refund_shipping"))
    return sums["total"] or Decimal("0.00"), sums["shipping"] or Decimal("0.00")


def request_list_for_order(*, order: Order) -> list[AfterSalesRequest]:
    """The order's requests, newest first, with their lines and photos (three queries)."""
    return list(
        order.after_sales_requests.prefetch_related("lines__order_line", "lines__exchange_variant", "photos")
    )


def request_get_visible(*, request: HttpRequest, order_number: str, number: str) -> AfterSalesRequest:
    """A request of an order the caller may see (its owner or the link's holder); Http404 otherwise."""
    order = order_get_visible(request=request, number=order_number)
    found = (
        AfterSalesRequest.objects.filter(order=order, number=number.upper())
        .prefetch_related("lines__order_line", "photos")
        .first()
    )
    if found is None:
        raise Http404()
    found.order = order
    return found


@dataclass(frozen=True)
class ReturnReportRow:
    """One product over a period: units sold, units asked to return or refund, and why.

    ``product_id`` is the catalogue's product, None for lines whose variant is gone (grouped
    by the name they were sold under).
    """

    product_name: str
    sold: int
    returned: int
    reasons: dict[str, int]
    product_id: int | None = None

    @property
    def rate(self) -> Decimal:
        return (
            (Decimal(self.returned) * 100 / self.sold).quantize(Decimal("0.1")) if self.sold else Decimal("0")
        )

    @property
    def reason_list(self) -> list[tuple[str, int]]:
        """(reason label, units), most units first."""
        labels = dict(AfterSalesRequest.Reason.choices)
        ordered = sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
        return [(str(labels.get(code, code)), units) for code, units in ordered]


# Units sold and asked back per report row, in one statement. Lines are summed per variant
# before the variant and product are joined, so the million-line join hashes one integer
# (grouping by a name too sorted every line on disk); the product's current name is joined
# once per row. Lines whose variant is gone (few; read by the variant index's NULL entries)
# are keyed by the name they were sold under, with a NULL product. Every key asked about is
# one sold in the period, so the full join only guards a request on another order than its
# line's.
RETURN_REPORT_SQL = """
WITH period_line AS (
    SELECT l.variant_id, NULL::varchar AS gone_name, SUM(l.quantity) AS units
    FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s AND o.cancelled_at IS NULL
      AND l.variant_id IS NOT NULL
    GROUP BY 1
    UNION ALL
    SELECT NULL, l.product_name, SUM(l.quantity)
    FROM orders_orderline l
    JOIN orders_order o ON o.id = l.order_id
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s AND o.cancelled_at IS NULL
      AND l.variant_id IS NULL
    GROUP BY 2
), sold AS (
    SELECT v.product_id, s.gone_name, SUM(s.units)::bigint AS units
    FROM period_line s
    LEFT JOIN catalog_variant v ON v.id = s.variant_id
    GROUP BY 1, 2
), asked AS (
    SELECT v.product_id,
           CASE WHEN l.variant_id IS NULL THEN l.product_name END AS gone_name,
           r.reason,
           SUM(a.quantity) AS units
    FROM aftersales_aftersalesline a
    JOIN aftersales_aftersalesrequest r ON r.id = a.request_id
    JOIN orders_order o ON o.id = r.order_id
    JOIN orders_orderline l ON l.id = a.order_line_id
    LEFT JOIN catalog_variant v ON v.id = l.variant_id
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s AND o.cancelled_at IS NULL
      AND NOT (r.status = ANY(%(inactive)s))
    GROUP BY 1, 2, 3
), returned AS (
    SELECT product_id, gone_name, SUM(units)::bigint AS units,
           array_agg(reason ORDER BY reason) AS reasons, array_agg(units ORDER BY reason) AS reason_units
    FROM asked
    GROUP BY 1, 2
)
SELECT COALESCE(s.product_id, r.product_id) AS product_id,
       COALESCE(p.name, s.gone_name, r.gone_name) AS name,
       COALESCE(s.units, 0) AS sold,
       COALESCE(r.units, 0) AS returned,
       r.reasons,
       r.reason_units
FROM sold s
FULL JOIN returned r
  ON COALESCE(r.product_id, 0) = COALESCE(s.product_id, 0)
 AND COALESCE(r.gone_name, '') = COALESCE(s.gone_name, '')
LEFT JOIN catalog_product p ON p.id = COALESCE(s.product_id, r.product_id)
ORDER BY name COLLATE "C", product_id NULLS FIRST
"""


def return_report_params(*, start: datetime, end: datetime) -> dict[str, object]:
    """The parameters of the report's statement for [start, end) (its plan is tested with them)."""
    return {"start": start, "end": end, "inactive": sorted(AfterSalesRequest.INACTIVE_STATUSES)}


def _report_order(row: ReturnReportRow) -> tuple[int, int, str, int]:
    tenths = int(row.rate * 10)
    return (-tenths, -row.returned, row.product_name, row.product_id or 0)


def return_report(*, start: datetime, end: datetime) -> list[ReturnReportRow]:
    """Per product: units sold on orders placed in [start, end) and how many of those units were
    asked back since (rejected and withdrawn requests left out), with their reasons; highest rate
    first, which therefore never passes 100%, then most units asked back, then by name. One query;
    a short period's orders are found by their creation index, not by reading every order line.

    Lines are grouped by their variant's product (under its current name), or by their product
    name when the variant is gone.
    """
    with connection.cursor() as cursor:
        cursor.execute(RETURN_REPORT_SQL, return_report_params(start=start, end=end))
        rows = [
            ReturnReportRow(
                product_name=name,
                sold=sold,
                returned=returned,
                reasons=dict(zip(reasons, reason_units, strict=True)) if reasons else {},
                product_id=product_id,
            )
            for product_id, name, sold, returned, reasons, reason_units in cursor.fetchall()
        ]
    # Rows come by name as Python orders strings (code points), then product. Those with nothing
    # asked back (most of them) have the lowest rate and stay in that order after the others.
    asked_back = sorted((row for row in rows if row.returned), key=_report_order)
    return asked_back + [row for row in rows if not row.returned]


def request_open_q() -> Q:
    """Requests still waiting for someone (not in a final state)."""
    return ~Q(status__in=AfterSalesRequest.FINAL_STATUSES)


def request_to_review_count() -> int:
    """Requests waiting for staff's review (one count over the open requests' index)."""
    return AfterSalesRequest.objects.filter(status=AfterSalesRequest.Status.REQUESTED).count()


def refunds_outside_after_sales(*, order: Order) -> list[Refund]:
    """Refunds of the order's payments that no request made (staff refunded from the payment itself).

    Shown beside a request's refund, so staff see money already sent back for what may be the
    same goods: the refund is capped by what is left, not told which lines those covered.
    """
    linked = AfterSalesRequest.objects.filter(order=order, refund__isnull=False).values("refund_id")
    return list(
        Refund.objects.filter(payment__order=order, payment__surplus=False)
        .exclude(status=Refund.Status.FAILED)
        .exclude(pk__in=linked)
        .order_by("created_at", "id")
    )
