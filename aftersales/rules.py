"""The after-sales rules as plain functions: which reasons fit which request, and the windows.

The seven-day no-reason return (Consumer Rights Protection Law, article 25) and the longer
window for goods that arrived faulty are counted in whole days of the shop's time zone
(``TIME_ZONE``), from the day after receipt: goods received at any time on 1 March may be
sent back without a reason until the end of 8 March. The moment they count from is the
receipt, or for an order not received yet ``selectors.order_receipt_moment``; without one
the windows have not started.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from aftersales.models import AfterSalesRequest
from shop.money import proportion

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason

# Reasons that are the buyer's own choice: the no-reason window and product exemptions apply.
NO_REASON_REASONS = frozenset({Reason.CHANGED_MIND, Reason.WRONG_SIZE})

# What each kind of request may be asked for.
REASONS_BY_KIND = {
    Kind.RETURN: (
        Reason.CHANGED_MIND,
        Reason.WRONG_SIZE,
        Reason.FAULTY,
        Reason.NOT_AS_DESCRIBED,
        Reason.WRONG_ITEM,
        Reason.DAMAGED,
    ),
    Kind.REFUND: (Reason.NOT_RECEIVED, Reason.MISSING, Reason.DAMAGED),
    Kind.EXCHANGE: (
        Reason.WRONG_SIZE,
        Reason.FAULTY,
        Reason.NOT_AS_DESCRIBED,
        Reason.WRONG_ITEM,
        Reason.DAMAGED,
    ),
}


def reason_fits_kind(*, kind: str, reason: str) -> bool:
    return reason in REASONS_BY_KIND.get(kind, ())


def window_days(*, reason: str) -> int:
    """Days after receipt a request for this reason may be made."""
    if reason in NO_REASON_REASONS:
        return settings.AFTER_SALES_NO_REASON_DAYS
    return settings.AFTER_SALES_FAULTY_DAYS


def window_end(*, received_at: datetime, days: int) -> datetime:
    """The first moment after a window of ``days`` whole local days from the day after ``received_at``."""
    shop_zone = ZoneInfo(settings.TIME_ZONE)
    last_day = received_at.astimezone(shop_zone).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=shop_zone)


def window_open(*, received_at: datetime | None, reason: str, now: datetime) -> bool:
    """Whether a request for ``reason`` may be made at ``now`` (always before receipt)."""
    if received_at is None:
        return True
    return now < window_end(received_at=received_at, days=window_days(reason=reason))


@dataclass(frozen=True)
class RequestLine:
    """Units of one order line a shopper asks about, and for an exchange the option they want instead."""

    order_line_id: int
    quantity: int
    exchange_variant_id: int | None = None


def units_refund_amount(*, paid_total: Decimal, quantity: int, refunded_before: int, units: int) -> Decimal:
    """What ``units`` more units of a line give back when ``refunded_before`` of its ``quantity`` were.

    Each unit's share of what the line cost after its discounts, counted cumulatively, so the
    units of a line refunded over several requests add up to exactly its paid total.
    """
    return proportion(paid_total, refunded_before + units, quantity) - proportion(
        paid_total, refunded_before, quantity
    )
