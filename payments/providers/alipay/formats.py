"""How Alipay writes things: Beijing times, yuan amounts, trade statuses, and the fields we keep."""

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from payments.providers.base import CENTS

# Alipay writes every time (timestamp, notify_time, time_expire) in Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
AMOUNT_PATTERN = re.compile(r"\d{1,10}(\.\d{1,2})?")
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
# What is kept of a notification or an answer on the order: ids, amounts, statuses,
# times. No signature, no buyer account details.
PAYLOAD_FIELDS = (
    "notify_id",
    "notify_type",
    "notify_time",
    "app_id",
    "seller_id",
    "trade_no",
    "out_trade_no",
    "out_biz_no",
    "out_request_no",
    "trade_status",
    "refund_status",
    "total_amount",
    "receipt_amount",
    "buyer_pay_amount",
    "refund_amount",
    "refund_fee",
    "fund_change",
    "send_pay_date",
    "gmt_create",
    "gmt_payment",
    "gmt_refund",
    "gmt_refund_pay",
    "gmt_close",
    "code",
    "msg",
    "sub_code",
    "sub_msg",
)


def beijing_text(moment: datetime) -> str:
    """``moment`` as Alipay writes times ("2024-05-01 12:00:00", Beijing)."""
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def beijing_parse(text: str) -> datetime:
    """An Alipay time ("2024-05-01 12:00:00", Beijing) as an aware datetime; raises ValueError."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=BEIJING)


def amount_text(amount: Decimal) -> str:
    """Yuan with exactly two places, as Alipay wants them ("12.30")."""
    return format(amount.quantize(CENTS), "f")


def amount_parse(text: str) -> Decimal:
    """Alipay's "12.3" or "12.30" as Decimal("12.30"); raises ValueError for anything else."""
    if not AMOUNT_PATTERN.fullmatch(text or ""):
        raise ValueError(f"not an amount: {text!r}")
    return Decimal(text).quantize(CENTS)


def payload(fields: Mapping[str, Any]) -> dict[str, str]:
    """What is kept on the order of a notification or an answer (PAYLOAD_FIELDS that have a value)."""
    return {key: str(fields[key]) for key in PAYLOAD_FIELDS if fields.get(key) not in (None, "")}
