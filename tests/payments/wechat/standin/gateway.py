"""``WeChatPayStandIn``: the merchant's configuration, what the payer and WeChat Pay do, and notifications.

Notifications are made as WeChat Pay makes them: the resource encrypted with
AES-256-GCM under the APIv3 key, the envelope signed with the platform key;
keyword options make forgeries (another key, serial, id or an old timestamp).
"""

import json
import secrets
import ssl
import tempfile
import threading
import urllib.error
import urllib.request
from base64 import b64encode
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.payments.standin import StandinServer
from tests.payments.standin_rsa import private_pem, public_pem
from tests.payments.wechat.standin.api import WeChatPayApi
from tests.payments.wechat.standin.handler import WeChatPayHandler
from tests.payments.wechat.standin.oauth import WeChatOAuth
from tests.payments.wechat.standin.phone import WeChatPayPhone
from tests.payments.wechat.standin.protocol import (
    API_HOST,
    CHINA_TIME,
    Notification,
    RefundRecord,
    StandInError,
    Transaction,
    china_now,
    signature_headers,
)


class WeChatPayStandIn(WeChatPayApi, WeChatPayPhone, WeChatOAuth, StandinServer):
    """WeChat Pay API v3, the payer's phone and the official account's OAuth in one local server.

    ``with WeChatPayStandIn() as wx:``.
    """

    handler_class = WeChatPayHandler
    MCH_ID = "1900009191"
    APP_ID = "wxd678efh567hg6787"
    CERT_SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    PUBLIC_KEY_ID = "PUB_KEY_ID_0119000091912025061800000000000001"
    MP_APP_ID = "wx8888888888888888"
    MP_APP_SECRET = "0123456789abcdef0123456789abcdef"

    def __init__(self) -> None:
        super().__init__()
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16)
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
        # The official account (OAuth): codes not yet exchanged, used codes, openids handed out.
        self.codes: dict[str, str] = {}
        self.used_codes: set[str] = set()
        self.issued_openids: set[str] = set()
        self.openid = "o" + secrets.token_urlsafe(21)
        self.exchange_without_openid = False
        self.held_notifications: list[Notification] = []

    # Life cycle and the shop's configuration

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
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

    def use_official_account_in(self, settings) -> None:
        """Configure the shop's official account (JSAPI), its OAuth pages and code exchange served here."""
        settings.WECHAT_MP_APP_ID = self.MP_APP_ID
        settings.WECHAT_MP_APP_SECRET = self.MP_APP_SECRET
        settings.WECHAT_OAUTH_BASE_URL = self.base_url
        settings.WECHAT_API_BASE_URL = self.base_url

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
        headers = signature_headers(
            body,
            key=signing_key or self.platform_key,
            serial=serial or self.PUBLIC_KEY_ID,
            timestamp=timestamp,
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
            "appid": transaction.request.get("appid", self.APP_ID),
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
                payer=transaction.request.get("payer") or {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            )
            data["amount"].update(payer_total=transaction.total, payer_currency=transaction.currency)
        return data
