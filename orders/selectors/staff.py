"""Reads of the staff side (the orders admin and its dashboard): statuses, parcels, actions, reports."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, Count, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from orders.models import Carrier, Order, OrderDiscount, OrderLine, ShipmentLine
from orders.payment_methods import online_payment_checks, payment_codes_shipping_unpaid


def order_status_filter(*, status: str) -> Q:
    """The filter for orders whose ``display_status`` is ``status``, so the database can select them.

    Mirrors ``Order.display_status`` case by case; raises ValueError for an unknown status.
    """
    # Equalities and IN lists on the two states (never NOT), which their index can serve.
    refunded = Q(payment_status=Order.PaymentStatus.REFUNDED)
    not_refunded = Q(payment_status__in=[Order.PaymentStatus.UNPAID, Order.PaymentStatus.PAID])
    open_ = not_refunded & Q(cancelled_at__isnull=True)
    paid = Q(payment_status=Order.PaymentStatus.PAID)
    unpaid = Q(payment_status=Order.PaymentStatus.UNPAID)
    ships_unpaid = Q(payment_method__in=payment_codes_shipping_unpaid())
    delivered = Q(fulfilment_status=Order.FulfilmentStatus.DELIVERED)
    unfulfilled = Q(fulfilment_status=Order.FulfilmentStatus.UNFULFILLED)
    match status:
        case Order.Status.REFUNDED:
            return refunded
        case Order.Status.CANCELLED:
            return not_refunded & Q(cancelled_at__isnull=False)
        case Order.Status.COMPLETED:
            return open_ & delivered & paid
        case Order.Status.SHIPPED:
            return open_ & Q(fulfilment_status=Order.FulfilmentStatus.SHIPPED)
        case Order.Status.PARTLY_SHIPPED:
            return open_ & Q(fulfilment_status=Order.FulfilmentStatus.PARTLY_SHIPPED)
        case Order.Status.AWAITING_SHIPMENT:
            return open_ & unfulfilled & (paid | ships_unpaid)
        case Order.Status.PENDING_PAYMENT:
            return open_ & unpaid & (delivered | (unfulfilled & ~ships_unpaid))
    raise ValueError(f"Unknown order status: {status!r}")


def order_to_ship_filter() -> Q:
    """Orders with parcels still to send: awaiting shipment, or partly shipped."""
    return order_status_filter(status=Order.Status.AWAITING_SHIPMENT) | order_status_filter(
        status=Order.Status.PARTLY_SHIPPED
    )


def order_awaiting_payment_filter() -> Q:
    """Orders whose payment staff are waiting for (the "pending payment" status)."""
    return order_status_filter(status=Order.Status.PENDING_PAYMENT)


def carrier_list() -> QuerySet[Carrier]:
    """The active carriers staff ship with, in display order."""
    return Carrier.objects.filter(is_active=True).order_by("position", "id")


def order_line_quantities_left(*, order: Order) -> dict[int, int]:
    """Units of each of the order's lines not yet in a parcel, by line id (fully shipped lines at 0).

    Exact only while the caller holds the order's row lock (``order_lock``).
    """
    shipped = dict(
        ShipmentLine.objects.filter(shipment__order=order)
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    return {
        line_id: quantity - shipped.get(line_id, 0)
        for line_id, quantity in OrderLine.objects.filter(order=order).values_list("id", "quantity")
    }


def order_lines_to_ship(*, order: Order) -> list[tuple[OrderLine, int]]:
    """The order's lines with units not yet in a parcel, each with how many (a hint: shipping re-counts)."""
    left = order_line_quantities_left(order=order)
    return [(line, left[line.pk]) for line in order.lines.all() if left.get(line.pk, 0) > 0]


class OrderAction:
    """The staff actions on an order; each one calls its service in orders.services."""

    CONFIRM = "confirm"
    MARK_PAID = "mark_paid"
    SHIP = "ship"
    MARK_DELIVERED = "mark_delivered"
    CANCEL = "cancel"
    REFUND = "refund"


def order_action_list(*, order: Order) -> list[str]:
    """The actions the order page offers for this order's state, in workflow order.

    A hint for the buttons only: each service re-checks the state under its
    row lock and raises InvalidTransition when the order has moved on.
    """
    cancelled = order.is_cancelled
    paid = order.payment_status == Order.PaymentStatus.PAID
    unpaid = order.payment_status == Order.PaymentStatus.UNPAID
    unfulfilled = order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    provider = order.payment_provider
    ships_unpaid = provider is not None and provider.ships_unpaid
    actions = []
    if not cancelled and unpaid and unfulfilled and ships_unpaid and order.confirmed_at is None:
        actions.append(OrderAction.CONFIRM)
    if not cancelled and unpaid:
        actions.append(OrderAction.MARK_PAID)
    partly_shipped = order.fulfilment_status == Order.FulfilmentStatus.PARTLY_SHIPPED
    if not cancelled and (unfulfilled or partly_shipped) and (paid or (unpaid and ships_unpaid)):
        actions.append(OrderAction.SHIP)
    if not cancelled and order.fulfilment_status == Order.FulfilmentStatus.SHIPPED:
        actions.append(OrderAction.MARK_DELIVERED)
    if not cancelled and unfulfilled:
        actions.append(OrderAction.CANCEL)
    if paid and not order_paid_online(order=order):
        # Online payments are refunded from their payment, through the gateway.
        actions.append(OrderAction.REFUND)
    return actions


def order_paid_online(*, order: Order) -> bool:
    """Whether a gateway payment paid this order (then refunds go through the gateway).

    The apps that take payments online answer from their stored payments (see
    ``orders.payment_methods.online_payment_check_register``); with none, no order was.
    """
    return any(check(order) for check in online_payment_checks())


@dataclass(frozen=True)
class DiscountReportRow:
    """What one coupon or automatic promotion did over a period (cancelled orders left out)."""

    source: str  # OrderDiscount.Source
    coupon_id: int | None
    promotion_id: int | None
    labels: list[str]  # the codes or names it had on those orders (a promotion may have been renamed)
    orders: int
    goods_discount: Decimal
    shipping_discount: Decimal
    paid_orders: int
    revenue: Decimal  # the grand totals of those orders that are paid

    @property
    def discount(self) -> Decimal:
        return self.goods_discount + self.shipping_discount

    @property
    def title(self) -> str:
        return " / ".join(OrderDiscount(source=self.source, label=label).title for label in self.labels)


def discount_report_list(*, start: datetime, end: datetime) -> list[DiscountReportRow]:
    """Per coupon and automatic promotion, the orders placed in [start, end) that got it; one query.

    Cancelled orders are left out; revenue counts the grand totals of the orders that are paid
    (refunded and unpaid ones count for nothing, as on the dashboard). A coupon or promotion
    deleted since is reported under its code or name. Most discount given first.
    """
    zero = Decimal("0.00")
    paid = Q(order__payment_status=Order.PaymentStatus.PAID)
    deleted = Q(coupon__isnull=True, promotion__isnull=True)
    rows = (
        OrderDiscount.objects.filter(
            order__created_at__gte=start, order__created_at__lt=end, order__cancelled_at__isnull=True
        )
        # Grouped by coupon or promotion; the rows of deleted ones by their code or name.
        .values("source", "coupon_id", "promotion_id", deleted_label=Case(When(deleted, then="label")))
        .annotate(
            # An order has one row per source, so counting rows counts orders.
            orders=Count("pk"),
            goods_discount=Coalesce(Sum("amount"), zero),
            shipping_discount=Coalesce(Sum("shipping_amount"), zero),
            paid_orders=Count("pk", filter=paid),
            revenue=Coalesce(Sum("order__grand_total", filter=paid), zero),
            labels=ArrayAgg("label", distinct=True, order_by="label"),
        )
        .order_by()
    )
    report = [
        DiscountReportRow(**{name: value for name, value in row.items() if name != "deleted_label"})
        for row in rows
    ]
    return sorted(report, key=lambda row: (-row.discount, row.title))
