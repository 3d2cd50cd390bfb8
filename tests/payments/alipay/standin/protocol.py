"""Alipay's shapes as the stand-in speaks them: Beijing times, the string to sign, notifications, trades."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CENTS = Decimal("0.01")
APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
PAY_METHODS = {"alipay.trade.page.pay", "alipay.trade.wap.pay"}


def sign_content(fields: dict[str, str], *, exclude: tuple[str, ...], skip_empty: bool) -> str:
    """Alipay's string to sign: the fields but ``exclude`` sorted, ``k=v`` joined by ``&``.

    Requests leave empty values out; notifications keep them (Alipay's two rules).
    """
    return "&".join(
        f"{key}={value}"
        for key, value in sorted(fields.items())
        if key not in exclude and (value or not skip_empty)
    )


def beijing_now() -> datetime:
    return datetime.now(BEIJING)


def backdated(hours: float) -> datetime:
    """A moment ``hours`` ago, for stale notifications."""
    return beijing_now() - timedelta(hours=hours)


@dataclass
class Notification:
    """A signed asynchronous notification as Alipay POSTs it (a form)."""

    url: str
    fields: dict[str, str]

    content_type = "application/x-www-form-urlencoded; charset=utf-8"

    @property
    def body(self) -> str:
        return urlencode(self.fields)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def tampered(self, **changes: str) -> "Notification":
        """The same notification with fields changed after signing (the signature no longer fits)."""
        return Notification(url=self.url, fields={**self.fields, **changes})


@dataclass
class Trade:
    out_trade_no: str
    total_amount: Decimal
    subject: str
    notify_url: str
    return_url: str
    method: str
    time_expire: datetime | None
    trade_no: str
    status: str = "WAIT_BUYER_PAY"
    paid_at: datetime | None = None
    refunds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def refunded(self) -> Decimal:
        return sum(self.refunds.values(), Decimal("0.00"))


def success_answer() -> dict:
    """The start of every successful answer."""
    return {"code": "10000", "msg": "Success"}


def error_answer(code: str, msg: str, sub_code: str, sub_msg: str) -> dict:
    """An answer refusing the call, as Alipay words it."""
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query string."""
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
