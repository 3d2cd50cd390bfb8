"""Reads for the admin index: the numbers staff check first each day (three queries in all)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import LOW_STOCK_THRESHOLD, Variant
from orders.models import Order, OutboundEmail
from orders.selectors import order_awaiting_payment_filter, order_to_ship_filter

LOW_STOCK_LIMIT = 10


@dataclass(frozen=True)
class OrderDashboard:
    today_count: int
    today_revenue: Decimal
    week_count: int
    week_revenue: Decimal
    awaiting_payment_count: int
    to_ship_count: int
    failed_email_count: int
    low_stock_variants: list[Variant]


def dashboard_period_starts(*, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The starts of today and of this week (Monday) in TIME_ZONE, as aware datetimes."""
    local_now = timezone.localtime(now)
    today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    # Rebuild from the calendar date, so a DST change inside the week keeps midnight.
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(today.date(), datetime.min.time()), tz),
        timezone.make_aware(datetime.combine(week.date(), datetime.min.time()), tz),
    )


def low_stock_variant_list(*, limit: int = LOW_STOCK_LIMIT) -> list[Variant]:
    """Active variants of active products with stock at or below LOW_STOCK_THRESHOLD, lowest first."""
    return list(
        Variant.objects.filter(is_active=True, product__is_active=True, stock__lte=LOW_STOCK_THRESHOLD)
        .select_related("product")
        .order_by("stock", "product__name", "sku")[:limit]
    )


def dashboard_get(*, now: datetime | None = None) -> OrderDashboard:
    """Today's and this week's orders and revenue, the work queues, low stock and failed emails.

    Revenue is money received: the ``grand_total`` of the period's orders that are paid and
    not cancelled (unpaid, refunded and cancelled orders count for nothing); days and weeks
    start at midnight (Monday) in TIME_ZONE. Three queries.
    """
    today_start, week_start = dashboard_period_starts(now=now)
    today = Q(created_at__gte=today_start)
    week = Q(created_at__gte=week_start)
    kept = Q(cancelled_at__isnull=True, payment_status=Order.PaymentStatus.PAID)
    zero = Decimal("0.00")
    totals = Order.objects.aggregate(
        today_count=Count("pk", filter=today),
        today_revenue=Coalesce(Sum("grand_total", filter=today & kept), zero),
        week_count=Count("pk", filter=week),
        week_revenue=Coalesce(Sum("grand_total", filter=week & kept), zero),
        awaiting_payment_count=Count("pk", filter=order_awaiting_payment_filter()),
        to_ship_count=Count("pk", filter=order_to_ship_filter()),
    )
    failed = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).count()
    return OrderDashboard(
        **totals,
        failed_email_count=failed,
        low_stock_variants=low_stock_variant_list(),
    )
