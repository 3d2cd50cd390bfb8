"""WeChat Pay's shapes as the stand-in speaks them: times, signature headers, notifications and records."""

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.standin_rsa import rsa_sign

API_HOST = "api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CHINA_TIME = ZoneInfo("Asia/Shanghai")
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
MAX_CLOCK_SKEW = 300


class StandInError(Exception):
    """A test asked the stand-in for something WeChat Pay would not do (pay a closed trade...)."""


def china_now() -> str:
    return datetime.now(CHINA_TIME).replace(microsecond=0).isoformat()


def signature_headers(
    body: str, *, key: rsa.RSAPrivateKey, serial: str, timestamp: int | None = None
) -> dict[str, str]:
    """The Wechatpay-* headers that sign ``body`` (an API answer or a notification) with ``key``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16).upper()
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(key, f"{stamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


@dataclass
class Notification:
    """A notification as WeChat Pay sends it: the JSON body and its signature headers."""

    notify_url: str
    body: bytes
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.notify_url).path

    def post(self, client):
        """POST it to the shop with Django's test client; returns the response."""
        return client.post(self.path, data=self.body, content_type="application/json", headers=self.headers)

    def with_body(self, body: bytes) -> "Notification":
        """The same headers (signature included) over another body: a tampered notification."""
        return Notification(notify_url=self.notify_url, body=body, headers=dict(self.headers))


@dataclass
class Transaction:
    out_trade_no: str
    token: str
    trade_type: str  # NATIVE, MWEB (H5) or JSAPI
    description: str
    total: int
    currency: str
    notify_url: str
    time_expire: datetime | None
    request: dict[str, Any]
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""

    @property
    def refundable(self) -> bool:
        return self.trade_state in ("SUCCESS", "REFUND")


@dataclass
class RefundRecord:
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    transaction_id: str
    refund: int
    total: int
    notify_url: str
    status: str
    reason: str = ""
    create_time: str = field(default_factory=china_now)
    success_time: str = ""
