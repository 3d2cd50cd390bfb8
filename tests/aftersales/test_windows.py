"""The no-reason and faulty-goods windows: whole days in the shop's time zone, from the day after receipt."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from aftersales.exceptions import RequestNotAllowed
from aftersales.rules import window_end, window_open
from aftersales.selectors import order_after_sales_deadline
from tests.aftersales.helpers import ask, now, two_line_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Received late on 1 March, local time.
RECEIVED = datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)


def local(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_no_reason_return_is_open_until_the_end_of_the_seventh_local_day_after_receipt():
    assert window_open(received_at=RECEIVED, reason="changed_mind", now=local(8, 23, 59, 59))
    assert not window_open(received_at=RECEIVED, reason="changed_mind", now=local(9))
    assert window_end(received_at=RECEIVED, days=7) == local(9)


def test_the_window_counts_local_days_even_when_receipt_is_another_day_in_utc():
    # 1 March 23:30 in Shanghai is 1 March 15:30 UTC; 2 March 00:30 there is still 1 March in UTC.
    received = local(2, 0, 30)
    assert window_open(received_at=received, reason="changed_mind", now=local(9, 23, 59, 59))
    assert not window_open(received_at=received, reason="changed_mind", now=local(10))


def test_faulty_goods_may_be_reported_for_fifteen_local_days():
    assert window_open(received_at=RECEIVED, reason="faulty", now=local(16, 23, 59, 59))
    assert not window_open(received_at=RECEIVED, reason="faulty", now=local(17))
    assert window_open(received_at=RECEIVED, reason="damaged", now=local(16, 12))


def test_the_windows_have_not_started_before_receipt():
    assert window_open(received_at=None, reason="changed_mind", now=local(31))
    assert window_open(received_at=None, reason="faulty", now=local(31))


def test_longer_windows_in_the_settings_are_honoured(settings):
    settings.AFTER_SALES_NO_REASON_DAYS = 10
    settings.AFTER_SALES_FAULTY_DAYS = 20

    assert window_open(received_at=RECEIVED, reason="changed_mind", now=local(11, 23, 59, 59))
    assert not window_open(received_at=RECEIVED, reason="changed_mind", now=local(12))
    assert window_open(received_at=RECEIVED, reason="faulty", now=local(21, 23))
    assert not window_open(received_at=RECEIVED, reason="faulty", now=local(22))


def test_another_time_zone_setting_moves_the_boundary(settings):
    received = local(2, 0, 30)  # 1 March 16:30 UTC
    at = local(9, 12)  # 9 March 04:00 UTC
    assert window_open(received_at=received, reason="changed_mind", now=at)

    settings.TIME_ZONE = "UTC"

    assert not window_open(received_at=received, reason="changed_mind", now=at)
    assert window_end(received_at=received, days=7) == datetime(2026, 3, 9, tzinfo=ZoneInfo("UTC"))


def _local_midnight(days_ago: int) -> datetime:
    today = now().astimezone(SHANGHAI).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), tzinfo=SHANGHAI)


def test_a_no_reason_return_may_be_asked_on_the_last_local_day_of_the_window():
    # Received at the last minute of the day seven days ago: the window ends at tonight's midnight.
    order = two_line_order(received_at=_local_midnight(7) + timedelta(hours=23, minutes=59))

    assert ask(order).status == "requested"


def test_a_no_reason_return_is_refused_from_the_first_moment_after_the_window():
    # Received at the first moment of the day eight days ago: the window ended at this morning's midnight.
    order = two_line_order(received_at=_local_midnight(8))

    with pytest.raises(RequestNotAllowed, match="7-day no-reason return for this order ended"):
        ask(order)
    # The faulty-goods window is still open.
    assert ask(order, reason="faulty").status == "requested"


def test_a_faulty_goods_request_is_refused_after_its_window():
    order = two_line_order(received_at=_local_midnight(16))

    with pytest.raises(RequestNotAllowed, match="up to 15 days after receipt"):
        ask(order, reason="faulty")


def test_a_shipped_order_not_yet_received_may_be_asked_about():
    order = two_line_order()
    order.__class__.objects.filter(pk=order.pk).update(received_at=None, fulfilment_status="shipped")
    order.refresh_from_db()

    parcel = order.shipments.get()
    counted_received = parcel.shipped_at + timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    assert order_after_sales_deadline(order=order, no_reason=True) == window_end(
        received_at=counted_received, days=7
    )
    assert ask(order).status == "requested"


def test_a_partly_shipped_order_counts_as_received_some_days_after_its_last_parcel(settings):
    order = two_line_order()
    order.__class__.objects.filter(pk=order.pk).update(received_at=None, fulfilment_status="partly_shipped")
    order.refresh_from_db()
    # Its parcel left long ago: it counts as received ORDER_AUTO_COMPLETE_DAYS after that.
    order.shipments.update(shipped_at=timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS + 8))

    with pytest.raises(RequestNotAllowed, match="no-reason return for this order ended"):
        ask(order)
    assert ask(order, reason="faulty").status == "requested"


def test_the_deadline_shown_follows_the_window_in_the_shop_time_zone():
    order = two_line_order(received_at=RECEIVED)

    assert order_after_sales_deadline(order=order, no_reason=True) == local(9)
    assert order_after_sales_deadline(order=order, no_reason=False) == local(17)
