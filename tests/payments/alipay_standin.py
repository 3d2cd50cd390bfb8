"""A local stand-in for Alipay's gateway: the cashier page, the server APIs and the notifications.

It runs on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a thread) and behaves
like ``https://openapi.alipay.com/gateway.do`` for what the shop uses:

- ``GET /gateway.do?method=alipay.trade.page.pay|wap.pay&...`` checks the shop's
  RSA2 signature (with the app public key the test generated) and shows the
  cashier: the amount and Pay / Cancel buttons (plain forms). Pay marks the
  trade paid, POSTs the signed asynchronous notification to its notify_url and
  redirects the browser to return_url with the signed synchronous-return
  parameters. Cancel closes the trade as Alipay's timeout would (TRADE_CLOSED,
  notified) and sends the browser back to return_url.
- ``POST /gateway.do`` (or GET) with alipay.trade.query, .close, .refund and
  .fastpay.refund.query answers Alipay-shaped JSON signed with the stand-in's
  "Alipay" private key (the shop is configured with its public key).

Signing is written here with ``cryptography``, independently of the SDK, so the
tests prove the two agree on Alipay's rules.
"""

import base64
import functools
import html
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.helpers import free_port

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CENTS = Decimal("0.01")
APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
PAY_METHODS = {"alipay.trade.page.pay", "alipay.trade.wap.pay"}


@functools.cache
def _generated_key(name: str) -> rsa.RSAPrivateKey:
    """An RSA-2048 key per role, made once per test session (key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa2_sign(key: rsa.RSAPrivateKey, content: str) -> str:
    return base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, content: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


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


class AlipayStandin:
    """The stand-in gateway; ``configure(settings)`` points the shop at it with fresh keys.

    Test controls: ``lose_next_notification`` (the Pay button's notification is
    never sent), ``unavailable`` (API calls answer 503), ``fail_next_refund`` (the
    next refund request is not processed and answers 503), ``lose_next_refund_answer``
    (the next refund is made but its answer is lost), ``auto_deliver`` (refund and
    close notifications are POSTed at once instead of kept in ``outbox``).
    """

    def __init__(self) -> None:
        self.app_id = APP_ID
        self.seller_id = SELLER_ID
        self.app_key = _generated_key("app")
        self.alipay_key = _generated_key("alipay")
        self.trades: dict[str, Trade] = {}
        self.api_calls: list[tuple[str, dict]] = []
        self.delivered: list[tuple[Notification, int, str]] = []
        self.outbox: list[Notification] = []
        self.lose_next_notification = False
        self.unavailable = False
        self.fail_next_refund = False
        self.lose_next_refund_answer = False
        self.auto_deliver = False
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> "AlipayStandin":
        self.port = free_port()
        standin = self

        class Handler(_Handler):
            gateway = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "AlipayStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/gateway.do"

    def configure(self, settings) -> None:
        """Point the shop's Alipay settings at this stand-in, with the test's keys."""
        settings.ALIPAY_APP_ID = self.app_id
        settings.ALIPAY_APP_PRIVATE_KEY = private_pem(self.app_key)
        settings.ALIPAY_APP_PRIVATE_KEY_FILE = ""
        settings.ALIPAY_PUBLIC_KEY = public_pem(self.alipay_key)
        settings.ALIPAY_PUBLIC_KEY_FILE = ""
        settings.ALIPAY_SELLER_ID = self.seller_id
        settings.ALIPAY_SANDBOX = True
        settings.ALIPAY_GATEWAY_URL = self.gateway_url
        settings.ALIPAY_TIMEOUT = 5

    # --- what a browser does ----------------------------------------------------------------

    def open_cashier(self, redirect_url: str) -> str:
        """GET the cashier page as the shopper's browser would (creates the trade); its HTML."""
        with urlopen(redirect_url, timeout=5) as response:
            return response.read().decode()

    # --- the gateway's side, for tests --------------------------------------------------------

    def pay(self, reference: str) -> Notification:
        """The shopper pays: the trade is paid and its signed notification returned (not sent)."""
        with self._lock:
            trade = self.trades[reference]
            trade.status = "TRADE_SUCCESS"
            trade.paid_at = beijing_now()
            return self.notification(reference)

    def cancel(self, reference: str) -> Notification:
        """The shopper abandons: the trade is closed (as on timeout); its TRADE_CLOSED notification."""
        with self._lock:
            trade = self.trades[reference]
            trade.status = "TRADE_CLOSED"
            return self.notification(reference)

    def notification(
        self,
        reference: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        sent_at: datetime | None = None,
        **overrides: str,
    ) -> Notification:
        """The signed notification for the trade as it stands; ``overrides`` are applied before signing.

        ``key`` signs with another key (a forger's); ``sent_at`` backdates it.
        """
        trade = self.trades[reference]
        sent_at = sent_at or beijing_now()
        fields = {
            "notify_time": sent_at.astimezone(BEIJING).strftime(TIME_FORMAT),
            "notify_type": "trade_status_sync",
            "notify_id": f"2024{next(self._ids):08d}{trade.trade_no[-8:]}",
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "app_id": self.app_id,
            "auth_app_id": self.app_id,
            "seller_id": self.seller_id,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": f"{trade.total_amount:.2f}",
            "subject": trade.subject,
            "buyer_id": "2088102177846880",
            "buyer_logon_id": "sha***@example.com",
            "gmt_create": sent_at.astimezone(BEIJING).strftime(TIME_FORMAT),
        }
        if trade.paid_at is not None:
            fields.update(
                {
                    "gmt_payment": trade.paid_at.strftime(TIME_FORMAT),
                    "receipt_amount": f"{trade.total_amount:.2f}",
                    "buyer_pay_amount": f"{trade.total_amount:.2f}",
                }
            )
        fields.update(overrides)
        return self._signed(trade.notify_url, fields, key=key)

    def refund_notification(self, reference: str, out_request_no: str) -> Notification:
        """What Alipay sends after a refund: the trade's state, refund_fee (total so far) and out_biz_no."""
        trade = self.trades[reference]
        return self.notification(
            reference,
            out_biz_no=out_request_no,
            refund_fee=f"{trade.refunded:.2f}",
            gmt_refund=beijing_now().strftime(TIME_FORMAT) + ".000",
        )

    def _signed(self, url: str, fields: dict[str, str], *, key: rsa.RSAPrivateKey | None) -> Notification:
        content = sign_content(fields, exclude=("sign", "sign_type"), skip_empty=False)
        return Notification(url=url, fields={**fields, "sign": rsa2_sign(key or self.alipay_key, content)})

    def deliver(self, notification: Notification, url: str | None = None) -> tuple[int, str]:
        """POST a notification over HTTP as Alipay does; the shop's status and body."""
        request = Request(
            url or notification.url,
            data=notification.body.encode(),
            method="POST",
            headers={"Content-Type": notification.content_type},
        )
        try:
            with urlopen(request, timeout=10) as response:
                outcome = (response.status, response.read().decode())
        except URLError as error:
            status = getattr(error, "code", 0)
            body = error.read().decode() if hasattr(error, "read") else str(error.reason)
            outcome = (status, body)
        self.delivered.append((notification, *outcome))
        return outcome

    def _notify(self, notification: Notification) -> None:
        if self.auto_deliver:
            self.deliver(notification)
        else:
            self.outbox.append(notification)

    # --- requests from the shop -----------------------------------------------------------------

    def verified_request(self, params: dict[str, str]) -> str:
        """Why the shop's request is not genuine, or "" (RSA2 over everything but sign, app id)."""
        if params.get("sign_type") != "RSA2" or not params.get("sign"):
            return "unsigned or not RSA2"
        if not rsa2_verify(
            self.app_key.public_key(),
            sign_content(params, exclude=("sign",), skip_empty=True),
            params["sign"],
        ):
            return "invalid signature"
        if params.get("app_id") != self.app_id:
            return "unknown app_id"
        return ""

    def trade_open(self, params: dict[str, str]) -> Trade:
        """Create (or find again) the trade a signed page.pay / wap.pay request describes."""
        biz = json.loads(params["biz_content"])
        amount = Decimal(biz["total_amount"]).quantize(CENTS)
        expire = biz.get("time_expire")
        with self._lock:
            trade = self.trades.get(biz["out_trade_no"])
            if trade is None:
                trade = Trade(
                    out_trade_no=biz["out_trade_no"],
                    total_amount=amount,
                    subject=biz["subject"],
                    notify_url=params.get("notify_url", ""),
                    return_url=params.get("return_url", ""),
                    method=params["method"],
                    time_expire=datetime.strptime(expire, TIME_FORMAT).replace(tzinfo=BEIJING)
                    if expire
                    else None,
                    trade_no=f"{beijing_now():%Y%m%d}22001{next(self._ids):013d}",
                )
                self.trades[trade.out_trade_no] = trade
            elif trade.total_amount != amount:
                raise ValueError("out_trade_no reused with another amount")
            return trade

    def api_answer(self, method: str, biz: dict) -> dict:
        """The body of Alipay's answer to one server API call (before signing)."""
        self.api_calls.append((method, biz))
        handler = {
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
        }.get(method)
        if handler is None:
            return _error("40004", "Business Failed", "isv.invalid-method", "不存在的方法名")
        with self._lock:
            trade = self.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return _error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
            return handler(trade, biz)

    def _query(self, trade: Trade, biz: dict) -> dict:
        answer = {
            **_success(),
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": f"{trade.total_amount:.2f}",
            "buyer_logon_id": "sha***@example.com",
        }
        if trade.paid_at is not None:
            answer["send_pay_date"] = trade.paid_at.strftime(TIME_FORMAT)
            answer["receipt_amount"] = f"{trade.total_amount:.2f}"
        return answer

    def _close(self, trade: Trade, biz: dict) -> dict:
        if trade.status != "WAIT_BUYER_PAY":
            return _error("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
        return {**_success(), "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}

    def _refund(self, trade: Trade, biz: dict) -> dict:
        amount = Decimal(biz["refund_amount"]).quantize(CENTS)
        request_no = biz.get("out_request_no") or trade.out_trade_no
        if request_no in trade.refunds:
            if trade.refunds[request_no] != amount:
                return _error("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额不一致")
            return self._refund_answer(trade, fund_change="N")
        if trade.status not in ("TRADE_SUCCESS",):
            return _error("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if amount <= 0 or trade.refunded + amount > trade.total_amount:
            return _error("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        trade.refunds[request_no] = amount
        if trade.refunded == trade.total_amount:
            trade.status = "TRADE_CLOSED"
        self._notify(self.refund_notification(trade.out_trade_no, request_no))
        return self._refund_answer(trade, fund_change="Y")

    def _refund_answer(self, trade: Trade, *, fund_change: str) -> dict:
        return {
            **_success(),
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "sha***@example.com",
            "fund_change": fund_change,
            "refund_fee": f"{trade.refunded:.2f}",
            "gmt_refund_pay": beijing_now().strftime(TIME_FORMAT),
        }

    def _refund_query(self, trade: Trade, biz: dict) -> dict:
        answer = {**_success(), "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
        request_no = biz.get("out_request_no", "")
        if request_no in trade.refunds:
            answer.update(
                {
                    "out_request_no": request_no,
                    "total_amount": f"{trade.total_amount:.2f}",
                    "refund_amount": f"{trade.refunds[request_no]:.2f}",
                    "refund_status": "REFUND_SUCCESS",
                }
            )
        return answer

    def signed_answer(self, method: str, answer: dict) -> bytes:
        """Alipay's JSON: the answer under ``<method>_response`` and RSA2 over exactly its text."""
        response_type = method.replace(".", "_") + "_response"
        content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        signature = rsa2_sign(self.alipay_key, content)
        return f'{{"{response_type}":{content},"sign":"{signature}"}}'.encode()

    def return_params(self, trade: Trade) -> dict[str, str]:
        """The signed parameters Alipay appends to return_url (shown only; never trusted)."""
        fields = {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": f"{trade.method}.return",
            "total_amount": f"{trade.total_amount:.2f}",
            "trade_no": trade.trade_no,
            "auth_app_id": self.app_id,
            "version": "1.0",
            "app_id": self.app_id,
            "sign_type": "RSA2",
            "seller_id": self.seller_id,
            "timestamp": beijing_now().strftime(TIME_FORMAT),
        }
        return self._signed(trade.return_url, fields, key=None).fields


def _success() -> dict:
    return {"code": "10000", "msg": "Success"}


def _error(code: str, msg: str, sub_code: str, sub_msg: str) -> dict:
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _with_query(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


CASHIER_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>Alipay stand-in cashier</title></head>
<body>
<h1>Alipay stand-in cashier</h1>
<p class="subject">{subject}</p>
<p>Amount: <strong id="amount">¥{amount}</strong></p>
<form method="post" action="/cashier/pay"><input type="hidden" name="out_trade_no" value="{reference}">
<button type="submit">Pay</button></form>
<form method="post" action="/cashier/cancel"><input type="hidden" name="out_trade_no" value="{reference}">
<button type="submit">Cancel</button></form>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    gateway: AlipayStandin

    def log_message(self, *args) -> None:
        """Quiet: the tests assert on what the stand-in records instead."""

    def _params(self) -> dict[str, str]:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            params.update(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        return params

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _page(self, status: int, text: str) -> None:
        body = f"<!doctype html><meta charset='utf-8'><p id='message'>{html.escape(text)}</p>".encode()
        self._send(status, body, "text/html; charset=utf-8")

    def _redirect(self, url: str) -> None:
        self._send(HTTPStatus.FOUND, b"", "text/plain", {"Location": url})

    def do_GET(self) -> None:
        self._gateway_request()

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path in ("/cashier/pay", "/cashier/cancel"):
            self._cashier_button(path)
        else:
            self._gateway_request()

    def _gateway_request(self) -> None:
        if urlsplit(self.path).path != "/gateway.do":
            self._page(HTTPStatus.NOT_FOUND, "not found")
            return
        params = self._params()
        method = params.get("method", "")
        problem = self.gateway.verified_request(params)
        if method in PAY_METHODS:
            self._cashier(params, problem)
            return
        if self.gateway.unavailable:
            self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
            return
        if problem:
            answer = _error("40002", "Invalid Arguments", "isv.invalid-signature", problem)
        else:
            biz = json.loads(params.get("biz_content") or "{}")
            if method == "alipay.trade.refund" and self.gateway.fail_next_refund:
                self.gateway.fail_next_refund = False
                self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
                return
            answer = self.gateway.api_answer(method, biz)
            if method == "alipay.trade.refund" and self.gateway.lose_next_refund_answer:
                self.gateway.lose_next_refund_answer = False
                self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
                return
        self._send(
            HTTPStatus.OK, self.gateway.signed_answer(method, answer), "application/json; charset=utf-8"
        )

    def _cashier(self, params: dict[str, str], problem: str) -> None:
        if problem:
            self._page(HTTPStatus.BAD_REQUEST, f"Alipay: {problem}")
            return
        try:
            trade = self.gateway.trade_open(params)
        except (KeyError, ValueError) as error:
            self._page(HTTPStatus.BAD_REQUEST, f"Alipay: {error}")
            return
        if trade.time_expire is not None and trade.time_expire < beijing_now():
            self._page(HTTPStatus.BAD_REQUEST, "Alipay: this payment has expired")
            return
        if trade.status != "WAIT_BUYER_PAY":
            self._page(HTTPStatus.OK, f"Alipay: this trade is {trade.status}")
            return
        body = CASHIER_PAGE.format(
            subject=html.escape(trade.subject),
            amount=f"{trade.total_amount:.2f}",
            reference=html.escape(trade.out_trade_no),
        )
        self._send(HTTPStatus.OK, body.encode(), "text/html; charset=utf-8")

    def _cashier_button(self, path: str) -> None:
        reference = self._params().get("out_trade_no", "")
        trade = self.gateway.trades.get(reference)
        if trade is None or trade.status != "WAIT_BUYER_PAY":
            self._page(HTTPStatus.BAD_REQUEST, "Alipay: no open trade")
            return
        if path == "/cashier/pay":
            notification = self.gateway.pay(reference)
            if self.gateway.lose_next_notification:
                self.gateway.lose_next_notification = False
            else:
                self.gateway.deliver(notification)
            self._redirect(_with_query(trade.return_url, self.gateway.return_params(trade)))
        else:
            self.gateway.deliver(self.gateway.cancel(reference))
            self._redirect(trade.return_url)


def backdated(hours: float) -> datetime:
    """A moment ``hours`` ago, for stale notifications."""
    return beijing_now() - timedelta(hours=hours)
