"""A local WeChat Pay API v3 for the tests, on 127.0.0.1, with keys generated per stand-in.

The real ``wechatpayv3`` SDK talks to it unchanged: the SDK has no base-URL
setting, so the shop sends its calls through ``WECHATPAY_PROXY`` (the SDK's
documented ``proxy`` argument) and this server is that proxy. It accepts a
CONNECT only for api.mch.weixin.qq.com:443, ends the TLS itself with a
certificate from a test CA (``trustme``; the tests trust it through
REQUESTS_CA_BUNDLE) and answers as WeChat Pay does: it checks the merchant's
``Authorization`` signature, keeps transactions and refunds, and signs every
answer with the platform key whose public half the shop is configured with.

The same server, in plain HTTP, is the shopper's phone: ``GET /scan/<id>``
(what scanning the Native QR code opens) and ``GET /h5/<id>`` (the H5 page)
have Pay / Cancel buttons; paying sends the AES-256-GCM encrypted, signed
notification to the payment's notify_url. Tests without a live server call
``pay()`` instead and post the returned ``Notification`` with the test client.
"""

import json
import re
import secrets
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
from base64 import b64decode, b64encode
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import trustme
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.helpers import free_port

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


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


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
    trade_type: str  # NATIVE or MWEB (H5)
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


class _Handler(BaseHTTPRequestHandler):
    """Plain HTTP: the shopper's pages and the CONNECT tunnel; inside the tunnel, the API."""

    protocol_version = "HTTP/1.1"
    timeout = 15
    tunnelled = False
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_CONNECT(self) -> None:
        standin = self.server.standin
        if self.tunnelled or self.path != f"{API_HOST}:443":
            # Never a way out to the internet: only WeChat Pay's host, answered here.
            self._write(403, {"Content-Type": "text/plain"}, b"only the WeChat Pay API is served here")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        try:
            tls = standin.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _ApiHandler(tls, self.client_address, self.server)
        finally:
            tls.close()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        standin = self.server.standin
        handle = standin.api if self.tunnelled else standin.page
        status, headers, payload = handle(method, self.path, self.headers, body)
        self._write(status, headers, payload)

    def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ApiHandler(_Handler):
    tunnelled = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: "WeChatPayStandIn", port: int) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", port), _Handler)


class WeChatPayStandIn:
    """WeChat Pay API v3 and the payer's phone in one local server: ``with WeChatPayStandIn() as wx:``."""

    MCH_ID = "1900009191"
    APP_ID = "wxd678efh567hg6787"
    CERT_SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    PUBLIC_KEY_ID = "PUB_KEY_ID_0119000091912025061800000000000001"

    def __init__(self) -> None:
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16)
        self.port = free_port()
        self._ca = trustme.CA()
        self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(API_HOST).configure_cert(self.tls_context)
        self._folder = tempfile.TemporaryDirectory(prefix="wechat-standin-")
        self.ca_bundle = Path(self._folder.name) / "ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_bundle))
        self.transactions: dict[str, Transaction] = {}
        self.refunds: dict[str, RefundRecord] = {}
        # (method, path without query, HTTP status) of every API call, in order.
        self.calls: list[tuple[str, str, int]] = []
        # (notification, the shop's HTTP status) of every delivery to a notify_url.
        self.deliveries: list[tuple[Notification, int]] = []
        self.lose_next_notification = False
        # The status a new refund gets: WeChat Pay answers PROCESSING and notifies later.
        self.refund_status = "PROCESSING"
        # When set, API answers are signed with this key instead of the platform key.
        self.answer_signing_key: rsa.RSAPrivateKey | None = None
        self._lock = threading.Lock()
        self._server: _Server | None = None

    # Life cycle and the shop's configuration

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = _Server(self, self.port)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "WeChatPayStandIn":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._folder.cleanup()

    def use_in(self, settings, monkeypatch) -> None:
        """Configure the shop for this merchant, with its calls going through this stand-in."""
        settings.WECHATPAY_MCH_ID = self.MCH_ID
        settings.WECHATPAY_APP_ID = self.APP_ID
        settings.WECHATPAY_PRIVATE_KEY = private_pem(self.merchant_key)
        settings.WECHATPAY_PRIVATE_KEY_FILE = ""
        settings.WECHATPAY_CERT_SERIAL_NO = self.CERT_SERIAL_NO
        settings.WECHATPAY_APIV3_KEY = self.apiv3_key
        settings.WECHATPAY_PUBLIC_KEY = public_pem(self.platform_key)
        settings.WECHATPAY_PUBLIC_KEY_FILE = ""
        settings.WECHATPAY_PUBLIC_KEY_ID = self.PUBLIC_KEY_ID
        settings.WECHATPAY_PROXY = self.base_url
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.ca_bundle))

    # What tests do as the payer and as WeChat Pay

    def transaction(self, out_trade_no: str) -> Transaction:
        return self.transactions[out_trade_no]

    def latest(self) -> Transaction:
        return list(self.transactions.values())[-1]

    def scan_url(self, code_url: str) -> str:
        """The page a phone opens after scanning the QR code whose content is ``code_url``."""
        token = parse_qs(urlsplit(code_url).query)["pr"][0]
        return f"{self.base_url}/scan/{token}"

    def pay(self, out_trade_no: str, *, timestamp: int | None = None) -> Notification:
        """The payer pays: the trade succeeds; returns its TRANSACTION.SUCCESS notification."""
        with self._lock:
            transaction = self.transactions[out_trade_no]
            if transaction.trade_state not in ("NOTPAY", "USERPAYING"):
                raise StandInError(f"{out_trade_no} is {transaction.trade_state}, it cannot be paid")
            if transaction.time_expire is not None and datetime.now(CHINA_TIME) > transaction.time_expire:
                raise StandInError(f"{out_trade_no} has expired")
            transaction.trade_state = "SUCCESS"
            transaction.transaction_id = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
            transaction.success_time = china_now()
        return self.transaction_notification(out_trade_no, timestamp=timestamp)

    def fail(self, out_trade_no: str) -> None:
        """The payment fails at the bank (WeChat Pay sends no notification for that)."""
        self.transactions[out_trade_no].trade_state = "PAYERROR"

    def transaction_notification(self, out_trade_no: str, **options: Any) -> Notification:
        """A TRANSACTION.SUCCESS notification for the trade as it is now (options: see ``notification``)."""
        transaction = self.transactions[out_trade_no]
        resource = self.transaction_resource(transaction)
        return self.notification(
            notify_url=transaction.notify_url,
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=resource,
            **options,
        )

    def refund_complete(self, out_refund_no: str, *, status: str = "SUCCESS", **options: Any) -> Notification:
        """The bank finishes a refund (SUCCESS, ABNORMAL or CLOSED); returns its REFUND.* notification."""
        refund = self.refunds[out_refund_no]
        refund.status = status
        refund.success_time = china_now() if status == "SUCCESS" else ""
        return self.refund_notification(out_refund_no, **options)

    def refund_notification(self, out_refund_no: str, **options: Any) -> Notification:
        refund = self.refunds[out_refund_no]
        resource = {
            "mchid": self.MCH_ID,
            "out_trade_no": refund.out_trade_no,
            "transaction_id": refund.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_status": refund.status,
            "success_time": refund.success_time,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": refund.total,
                "refund": refund.refund,
                "payer_total": refund.total,
                "payer_refund": refund.refund,
            },
        }
        summaries = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}
        return self.notification(
            notify_url=refund.notify_url,
            event_type=f"REFUND.{refund.status}",
            summary=summaries.get(refund.status, ""),
            original_type="refund",
            resource=resource,
            **options,
        )

    def notification(
        self,
        *,
        notify_url: str,
        event_type: str,
        summary: str,
        original_type: str,
        resource: dict[str, Any],
        notification_id: str | None = None,
        timestamp: int | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        serial: str | None = None,
        apiv3_key: str | None = None,
    ) -> Notification:
        """Encrypt ``resource`` (AES-256-GCM, APIv3 key) and sign the notification (platform key).

        The keyword options make forgeries: another signing key, serial or APIv3
        key, a given notification id, an old timestamp.
        """
        nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's resource nonces
        aesgcm = AESGCM((apiv3_key or self.apiv3_key).encode())
        plaintext = json.dumps(resource, ensure_ascii=False).encode()
        ciphertext = aesgcm.encrypt(nonce.encode(), plaintext, original_type.encode())
        envelope = {
            "id": notification_id or f"EV-{secrets.token_hex(12)}",
            "create_time": china_now(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": b64encode(ciphertext).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False)
        headers = self._signature_headers(
            body, key=signing_key or self.platform_key, timestamp=timestamp, serial=serial
        )
        return Notification(notify_url=notify_url, body=body.encode(), headers=headers)

    def deliver(self, notification: Notification) -> int:
        """POST the notification to its notify_url over HTTP (a live server); returns the shop's status."""
        request = urllib.request.Request(
            notification.notify_url,
            data=notification.body,
            headers={**notification.headers, "Content-Type": "application/json"},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=15) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.deliveries.append((notification, status))
        return status

    def transaction_resource(self, transaction: Transaction) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.APP_ID,
            "mchid": self.MCH_ID,
            "out_trade_no": transaction.out_trade_no,
            "trade_type": transaction.trade_type,
            "trade_state": transaction.trade_state,
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
                transaction.trade_state, transaction.trade_state
            ),
            "attach": "",
            "amount": {"total": transaction.total, "currency": transaction.currency},
        }
        if transaction.transaction_id:
            data.update(
                transaction_id=transaction.transaction_id,
                bank_type="OTHERS",
                success_time=transaction.success_time,
                payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            )
            data["amount"].update(payer_total=transaction.total, payer_currency=transaction.currency)
        return data

    # Signatures

    def _signature_headers(
        self, body: str, *, key: rsa.RSAPrivateKey, timestamp: int | None = None, serial: str | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16).upper()
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(key, f"{stamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": serial or self.PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def _authorization_error(self, method: str, path: str, headers, body: bytes) -> str:
        """Why the merchant's Authorization header is not valid for this request ("" when it is)."""
        scheme, _, params = headers.get("Authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            return "Authorization scheme is not WECHATPAY2-SHA256-RSA2048"
        values = dict(AUTH_FIELD.findall(params))
        if values.get("mchid") != self.MCH_ID or values.get("serial_no") != self.CERT_SERIAL_NO:
            return "unknown mchid or certificate serial_no"
        try:
            if abs(time.time() - int(values["timestamp"])) > MAX_CLOCK_SKEW:
                return "timestamp out of range"
            message = f"{method}\n{path}\n{values['timestamp']}\n{values['nonce_str']}\n{body.decode()}\n"
            self.merchant_key.public_key().verify(
                b64decode(values["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (KeyError, ValueError, InvalidSignature):
            return "signature does not verify"
        return ""

    def _answer(self, status: int, data: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        headers = self._signature_headers(body, key=self.answer_signing_key or self.platform_key)
        headers["Request-ID"] = secrets.token_hex(16)
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return status, headers, body.encode()

    # The API (inside the TLS tunnel)

    def api(self, method: str, target: str, headers, body: bytes) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(target).path
        error = self._authorization_error(method, target, headers, body)
        if error:
            answer = self._answer(401, {"code": "SIGN_ERROR", "message": error})
        else:
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                data = None
            if not isinstance(data, dict):
                answer = self._answer(400, {"code": "PARAM_ERROR", "message": "body is not a JSON object"})
            else:
                with self._lock:
                    answer = self._route(method, path, urlsplit(target).query, data)
        self.calls.append((method, path, answer[0]))
        return answer

    def _route(self, method: str, path: str, query: str, data: dict[str, Any]):
        parts = path.strip("/").split("/")
        if method == "POST" and path in ("/v3/pay/transactions/native", "/v3/pay/transactions/h5"):
            return self._create(data, h5=path.endswith("/h5"))
        if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) >= 5:
            out_trade_no = parts[4]
            if method == "GET" and len(parts) == 5:
                if parse_qs(query).get("mchid") != [self.MCH_ID]:
                    return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
                return self._query(out_trade_no)
            if method == "POST" and parts[5:] == ["close"]:
                return self._close(out_trade_no, data)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data)
        if method == "GET" and parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5:
            refund = self.refunds.get(parts[4])
            if refund is None:
                return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
            return self._answer(200, self._refund_data(refund))
        return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})

    def _create(self, data: dict[str, Any], *, h5: bool):
        problem = self._create_problem(data, h5=h5)
        if problem:
            return self._answer(400, {"code": "PARAM_ERROR", "message": problem})
        out_trade_no = data["out_trade_no"]
        existing = self.transactions.get(out_trade_no)
        if existing is not None:
            if existing.trade_state in ("SUCCESS", "REFUND"):
                return self._answer(400, {"code": "ORDERPAID", "message": "该订单已支付"})
            if existing.trade_state == "CLOSED":
                return self._answer(400, {"code": "ORDERCLOSED", "message": "该订单已关闭"})
            if existing.request != data:
                return self._answer(400, {"code": "INVALID_REQUEST", "message": "商户订单号重复"})
            return self._answer(200, self._create_answer(existing))
        transaction = Transaction(
            out_trade_no=out_trade_no,
            token=secrets.token_urlsafe(12),
            trade_type="MWEB" if h5 else "NATIVE",
            description=data["description"],
            total=data["amount"]["total"],
            currency=data["amount"].get("currency", "CNY"),
            notify_url=data["notify_url"],
            time_expire=datetime.fromisoformat(data["time_expire"]) if data.get("time_expire") else None,
            request=data,
        )
        self.transactions[out_trade_no] = transaction
        return self._answer(200, self._create_answer(transaction))

    def _create_problem(self, data: dict[str, Any], *, h5: bool) -> str:
        amount = data.get("amount")
        if data.get("appid") != self.APP_ID or data.get("mchid") != self.MCH_ID:
            return "appid and mchid must be the merchant's"
        if not 1 <= len(data.get("description") or "") <= 127:
            return "description"
        if not OUT_TRADE_NO.match(str(data.get("out_trade_no", ""))):
            return "out_trade_no"
        if not str(data.get("notify_url", "")).startswith(("https://", "http://")):
            return "notify_url"
        if not isinstance(amount, dict) or not isinstance(amount.get("total"), int) or amount["total"] <= 0:
            return "amount.total must be a positive integer in fen"
        if amount.get("currency", "CNY") != "CNY":
            return "amount.currency"
        if data.get("time_expire"):
            try:
                if datetime.fromisoformat(data["time_expire"]) <= datetime.now(CHINA_TIME):
                    return "time_expire is in the past"
            except ValueError:
                return "time_expire is not RFC 3339"
        scene = data.get("scene_info") or {}
        if h5 and not (scene.get("payer_client_ip") and (scene.get("h5_info") or {}).get("type")):
            return "scene_info.payer_client_ip and scene_info.h5_info.type are required for H5"
        return ""

    def _create_answer(self, transaction: Transaction) -> dict[str, str]:
        if transaction.trade_type == "MWEB":
            prepay_id = "wx" + transaction.token
            return {
                "h5_url": f"{self.base_url}/h5/{transaction.token}?prepay_id={prepay_id}&package=2150917749"
            }
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={transaction.token}"}

    def _query(self, out_trade_no: str):
        transaction = self.transactions.get(out_trade_no)
        if transaction is None:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self._answer(200, self.transaction_resource(transaction))

    def _close(self, out_trade_no: str, data: dict[str, Any]):
        transaction = self.transactions.get(out_trade_no)
        if data.get("mchid") != self.MCH_ID:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
        if transaction is None:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        if transaction.refundable:
            return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
        transaction.trade_state = "CLOSED"
        return self._answer(204)

    def _refund(self, data: dict[str, Any]):
        amount = data.get("amount") or {}
        out_refund_no = str(data.get("out_refund_no", ""))
        if not OUT_REFUND_NO.match(out_refund_no) or not isinstance(amount.get("refund"), int):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "out_refund_no and amount.refund"})
        if out_refund_no in self.refunds:
            return self._answer(200, self._refund_data(self.refunds[out_refund_no]))
        transaction = self.transactions.get(str(data.get("out_trade_no", "")))
        if transaction is None:
            return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        if not transaction.refundable:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单未支付"})
        if amount.get("total") != transaction.total or amount.get("currency") != "CNY":
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单金额或币种不一致"})
        refunded = sum(
            refund.refund
            for refund in self.refunds.values()
            if refund.out_trade_no == transaction.out_trade_no and refund.status in ("SUCCESS", "PROCESSING")
        )
        if not 0 < amount["refund"] <= transaction.total - refunded:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"})
        refund = RefundRecord(
            out_refund_no=out_refund_no,
            refund_id="50" + "".join(secrets.choice("0123456789") for _ in range(27)),
            out_trade_no=transaction.out_trade_no,
            transaction_id=transaction.transaction_id,
            refund=amount["refund"],
            total=transaction.total,
            notify_url=str(data.get("notify_url", "")),
            status=self.refund_status,
            reason=str(data.get("reason", "")),
        )
        if refund.status == "SUCCESS":
            refund.success_time = china_now()
        self.refunds[out_refund_no] = refund
        transaction.trade_state = "REFUND"
        return self._answer(200, self._refund_data(refund))

    def _refund_data(self, refund: RefundRecord) -> dict[str, Any]:
        data: dict[str, Any] = {
            "refund_id": refund.refund_id,
            "out_refund_no": refund.out_refund_no,
            "transaction_id": refund.transaction_id,
            "out_trade_no": refund.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": refund.create_time,
            "status": refund.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": refund.total,
                "refund": refund.refund,
                "payer_total": refund.total,
                "payer_refund": refund.refund,
                "settlement_refund": refund.refund,
                "settlement_total": refund.total,
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        if refund.success_time:
            data["success_time"] = refund.success_time
        return data

    # The payer's phone (plain HTTP)

    def page(self, method: str, target: str, headers, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        segments = parts.path.strip("/").split("/")
        if len(segments) not in (2, 3) or segments[0] not in ("scan", "h5"):
            return self._html(404, "Not found", "<p>No such page.</p>")
        kind, token = segments[0], segments[1]
        transaction = next((item for item in self.transactions.values() if item.token == token), None)
        if transaction is None:
            return self._html(404, "Not found", "<p>This payment does not exist.</p>")
        if method == "GET" and len(segments) == 2:
            redirect_url = parse_qs(parts.query).get("redirect_url", [""])[0]
            return self._pay_page(kind, transaction, redirect_url)
        if method == "POST" and len(segments) == 3 and segments[2] in ("pay", "cancel"):
            redirect_url = parse_qs(body.decode()).get("redirect_url", [""])[0]
            return self._pay_action(segments[2], transaction, redirect_url)
        return self._html(405, "Not allowed", "<p>Method not allowed.</p>")

    def _pay_page(self, kind: str, transaction: Transaction, redirect_url: str):
        action = f"/{kind}/{transaction.token}"
        hidden = f'<input type="hidden" name="redirect_url" value="{escape(redirect_url)}">'
        yuan = f"{transaction.total // 100}.{transaction.total % 100:02d}"
        content = (
            f"<p>{escape(transaction.description)}</p><p class='amount'>¥{yuan}</p>"
            f"<p>State: <span id='state'>{transaction.trade_state}</span></p>"
            f'<form method="post" action="{action}/pay">{hidden}<button>Pay</button></form>'
            f'<form method="post" action="{action}/cancel">{hidden}<button>Cancel</button></form>'
        )
        return self._html(200, "WeChat Pay", content)

    def _pay_action(self, action: str, transaction: Transaction, redirect_url: str):
        if action == "pay":
            try:
                notification = self.pay(transaction.out_trade_no)
            except StandInError as error:
                return self._html(409, "Payment failed", f"<p>{escape(str(error))}</p>")
            if self.lose_next_notification:
                self.lose_next_notification = False
            else:
                self.deliver(notification)
        if redirect_url.startswith(("http://", "https://")):
            return 303, {"Location": redirect_url}, b""
        title = "Payment successful" if action == "pay" else "Payment cancelled"
        return self._html(200, title, f"<p id='result'>{title}</p>")

    @staticmethod
    def _html(status: int, title: str, content: str) -> tuple[int, dict[str, str], bytes]:
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{content}</body></html>"
        )
        return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
