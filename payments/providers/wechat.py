"""WeChat Pay, API v3, through the ``wechatpayv3`` SDK: Native (QR code) and H5 (mobile browser).

The SDK runs in "WeChat Pay public key" mode: requests are signed with the
merchant's API private key, and every answer and notification must carry a
valid signature by WeChat Pay's platform key (``WECHATPAY_PUBLIC_KEY``), so no
platform certificate is ever downloaded. Notifications are also checked for
freshness here (the SDK does not) and their AES-256-GCM resource is decrypted
with the APIv3 key. The SDK has no base-URL setting; ``WECHATPAY_PROXY`` (the
SDK's documented ``proxy`` argument) sends its HTTPS calls through a proxy.
"""

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.providers.base import (
    EventKind,
    GatewayCheckout,
    GatewayError,
    GatewayEvent,
    GatewayProvider,
    GatewayUrls,
    NotificationRejected,
    RefundOutcome,
)

if TYPE_CHECKING:
    from payments.models import Payment, Refund

logger = logging.getLogger(__name__)

# WeChat Pay reads and writes times in China Standard Time (RFC 3339 with +08:00).
CHINA_TIME = ZoneInfo("Asia/Shanghai")
# How long a QR code or H5 page can be paid (time_expire).
PAYMENT_WINDOW = timedelta(minutes=30)
# Notifications signed longer ago than this (or this far ahead) are refused as replays.
NOTIFICATION_MAX_AGE_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CENT = Decimal("0.01")
# (connect, read) seconds for every API call.
TIMEOUT = (5, 20)
# Error codes after which the same request may succeed later (the refund stays pending).
RETRYABLE_CODES = frozenset({"SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED", "BANK_ERROR"})

TRADE_PAID = frozenset({"SUCCESS", "REFUND"})  # REFUND: paid, and a refund has started since
TRADE_FAILED = frozenset({"CLOSED", "PAYERROR", "REVOKED"})
TRADE_PENDING = frozenset({"NOTPAY", "USERPAYING"})
REFUND_STATUS = {"SUCCESS": "succeeded", "PROCESSING": "pending", "CLOSED": "failed", "ABNORMAL": "failed"}
REFUND_EVENT_KIND = {
    "succeeded": EventKind.REFUND_SUCCEEDED,
    "failed": EventKind.REFUND_FAILED,
    "pending": EventKind.REFUND_PENDING,
}
REFUND_EVENT_TYPES = frozenset({"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"})

# What is kept of a decrypted transaction or refund resource (no payer identity, no secrets).
TRANSACTION_FIELDS = (
    "out_trade_no",
    "transaction_id",
    "trade_type",
    "trade_state",
    "trade_state_desc",
    "bank_type",
    "success_time",
    "amount",
)
REFUND_FIELDS = (
    "out_trade_no",
    "transaction_id",
    "out_refund_no",
    "refund_id",
    "refund_status",
    "status",
    "success_time",
    "create_time",
    "channel",
    "amount",
)


def fen_from_amount(amount: Decimal) -> int:
    """Yuan as a Decimal with at most two places to integer fen, exactly (never through float).

    Raises GatewayError for an amount that is not a positive whole number of fen.
    """
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise GatewayError(f"WeChat Pay takes positive amounts in whole fen, not {amount}.")
    return int(amount.scaleb(2))


def amount_from_fen(fen: Any) -> Decimal:
    """Integer fen from WeChat Pay to yuan as a Decimal with two places; ValueError for anything else."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError(f"not an amount in fen: {fen!r}")
    return Decimal(fen).scaleb(-2).quantize(CENT)


def _pem_setting(name: str) -> str:
    """A PEM key given inline in ``name`` or as a file path in ``name``_FILE ("" when neither)."""
    inline = getattr(settings, name, "")
    if inline:
        return inline
    path = getattr(settings, f"{name}_FILE", "")
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GatewayError(f"WeChat Pay: cannot read {name}_FILE ({exc.strerror}).") from exc


def _pick(data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: data[key] for key in fields if key in data}


class WeChatPayProvider(GatewayProvider):
    code = "wechat"
    name = gettext_lazy("WeChat Pay")
    description = gettext_lazy("Scan a QR code with WeChat, or pay in WeChat on your phone.")
    currencies = frozenset({"CNY"})
    channels = ("native", "h5")

    def is_configured(self) -> bool:
        has_private_key = bool(settings.WECHATPAY_PRIVATE_KEY or settings.WECHATPAY_PRIVATE_KEY_FILE)
        has_public_key = bool(settings.WECHATPAY_PUBLIC_KEY or settings.WECHATPAY_PUBLIC_KEY_FILE)
        return all(
            (
                settings.WECHATPAY_MCH_ID,
                settings.WECHATPAY_APP_ID,
                settings.WECHATPAY_CERT_SERIAL_NO,
                settings.WECHATPAY_APIV3_KEY,
                settings.WECHATPAY_PUBLIC_KEY_ID,
                has_private_key,
                has_public_key,
            )
        )

    def form_action_origins(self) -> list[str]:
        # H5 payment: the pay form's answer redirects the phone's browser to WeChat Pay's page.
        return ["https://wx.tenpay.com"]

    # The SDK and its calls

    def _client(self) -> WeChatPay:
        """A WeChat Pay client built from the settings as they are now (public-key mode)."""
        if not self.is_configured():
            raise GatewayError("WeChat Pay is not configured.")
        proxy = settings.WECHATPAY_PROXY
        try:
            return WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=settings.WECHATPAY_MCH_ID,
                private_key=_pem_setting("WECHATPAY_PRIVATE_KEY"),
                cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
                appid=settings.WECHATPAY_APP_ID,
                apiv3_key=settings.WECHATPAY_APIV3_KEY,
                proxy={"https": proxy} if proxy else None,
                timeout=TIMEOUT,
                public_key=_pem_setting("WECHATPAY_PUBLIC_KEY"),
                public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
            )
        # The SDK raises plain Exception for a key it cannot load; ValueError comes from cryptography.
        except Exception as exc:
            raise GatewayError(f"WeChat Pay: cannot load the configured keys ({exc}).") from exc

    def _call(self, action: str, call: Callable[[], tuple[int, Any]]) -> tuple[int, dict[str, Any]]:
        """Run one SDK call: its HTTP status and decoded JSON answer (signature already verified on 2xx).

        Raises GatewayError when the gateway cannot be reached, answers 5xx or an
        answer's signature does not verify.
        """
        try:
            status, message = call()
        except requests.RequestException as exc:
            logger.warning("WeChat Pay %s: no answer (%s)", action, exc.__class__.__name__)
            raise GatewayError(
                f"WeChat Pay {action}: cannot reach the gateway ({exc.__class__.__name__})."
            ) from exc
        # The SDK raises plain Exception when a 2xx answer's signature does not verify.
        except Exception as exc:
            logger.warning("WeChat Pay %s: refused the answer (%s)", action, exc)
            raise GatewayError(f"WeChat Pay {action}: {exc}.") from exc
        if isinstance(message, bytes):
            message = message.decode("utf-8", errors="replace")
        try:
            data = json.loads(message) if message else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status >= 500 or status == 429 or data.get("code") in RETRYABLE_CODES:
            raise GatewayError(self._error_text(action, status, data))
        return status, data

    @staticmethod
    def _error_text(action: str, status: int, data: Mapping[str, Any]) -> str:
        return (
            f"WeChat Pay {action} answered {status}: {data.get('code', '')} {data.get('message', '')}".strip()
        )

    def _notify_url(self) -> str:
        """Where WeChat Pay sends refund notifications (payments come with GatewayUrls)."""
        return settings.PAYMENT_NOTIFY_BASE_URL + reverse("payments:notify", kwargs={"provider": self.code})

    # Checkout

    def checkout_create(self, *, payment: "Payment", urls: GatewayUrls, client_ip: str) -> GatewayCheckout:
        channel = payment.channel or self.channels[0]
        if channel not in self.channels:
            raise GatewayError(f"WeChat Pay has no channel {channel!r}.")
        if payment.currency.upper() != "CNY":
            raise GatewayError(f"WeChat Pay takes CNY only, not {payment.currency}.")
        if channel == "h5" and not client_ip:
            raise GatewayError("WeChat Pay H5 needs the shopper's IP address.")
        expires_at = (timezone.now() + PAYMENT_WINDOW).astimezone(CHINA_TIME).replace(microsecond=0)
        client = self._client()
        call = partial(
            client.pay,
            description=self._description(payment),
            out_trade_no=payment.reference,
            amount={"total": fen_from_amount(payment.amount), "currency": "CNY"},
            time_expire=expires_at.isoformat(),
            scene_info=self._scene_info(channel=channel, client_ip=client_ip),
            notify_url=urls.notify_url,
            pay_type=WeChatPayType.H5 if channel == "h5" else WeChatPayType.NATIVE,
        )
        status, data = self._call("create", call)
        payload = {"channel": channel, "time_expire": expires_at.isoformat(), "status": status}
        if channel == "h5":
            if status != 200 or not data.get("h5_url"):
                raise GatewayError(self._error_text("create", status, data))
            h5_url = data["h5_url"]
            # WeChat sends the browser back to redirect_url once the shopper leaves its page.
            separator = "&" if "?" in h5_url else "?"
            redirect_url = f"{h5_url}{separator}redirect_url={quote(urls.return_url, safe='')}"
            return GatewayCheckout(redirect_url=redirect_url, expires_at=expires_at, payload=payload)
        if status != 200 or not data.get("code_url"):
            raise GatewayError(self._error_text("create", status, data))
        return GatewayCheckout(qr_code=data["code_url"], expires_at=expires_at, payload=payload)

    @staticmethod
    def _description(payment: "Payment") -> str:
        order = payment.order
        with translation.override(order.language):
            text = gettext("%(shop)s order %(number)s") % {"shop": settings.SHOP_NAME, "number": order.number}
        return text[:127]

    @staticmethod
    def _scene_info(*, channel: str, client_ip: str) -> dict[str, Any] | None:
        if channel != "h5":
            return {"payer_client_ip": client_ip} if client_ip else None
        return {
            "payer_client_ip": client_ip,
            "h5_info": {"type": "Wap", "app_name": settings.SHOP_NAME[:64], "app_url": settings.SITE_URL},
        }

    # Notifications

    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        headers = self._notification_headers(request)
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotificationRejected("body is not UTF-8") from exc
        try:
            client = self._client()
        except GatewayError as exc:
            raise NotificationRejected(str(exc)) from exc
        try:
            data = client.callback(headers=headers, body=body)
        # The SDK raises plain Exception for a signature type it does not know; ValueError for bad JSON.
        except Exception as exc:
            raise NotificationRejected(f"unreadable notification ({exc.__class__.__name__})") from exc
        if not data:
            raise NotificationRejected("bad signature or resource that does not decrypt")
        try:
            return self._notification_events(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NotificationRejected(f"malformed resource ({exc.__class__.__name__}: {exc})") from exc

    @staticmethod
    def _notification_headers(request: HttpRequest) -> dict[str, str]:
        """The signature headers, refused before any cryptography when absent, foreign or stale."""
        headers = {
            name: request.headers.get(name, "")
            for name in ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")
        }
        if not all(headers.values()):
            raise NotificationRejected("missing Wechatpay signature headers")
        # Only our platform public key is trusted; any other serial would make the SDK go
        # and download certificates while answering a stranger's request.
        if headers["Wechatpay-Serial"] != settings.WECHATPAY_PUBLIC_KEY_ID:
            raise NotificationRejected("signed with an unknown key (Wechatpay-Serial)")
        try:
            signed_at = int(headers["Wechatpay-Timestamp"])
        except ValueError as exc:
            raise NotificationRejected("Wechatpay-Timestamp is not a number") from exc
        if abs(time.time() - signed_at) > NOTIFICATION_MAX_AGE_SECONDS:
            raise NotificationRejected("stale Wechatpay-Timestamp (replayed or delayed notification)")
        headers["Wechatpay-Signature-Type"] = request.headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE)
        return headers

    def _notification_events(self, data: Mapping[str, Any]) -> list[GatewayEvent]:
        notification_id = data["id"]
        if not isinstance(notification_id, str) or not notification_id:
            raise ValueError("no notification id")
        resource = data["resource"]
        if resource.get("mchid") != settings.WECHATPAY_MCH_ID:
            raise ValueError("notification for another merchant")
        if resource.get("appid", settings.WECHATPAY_APP_ID) != settings.WECHATPAY_APP_ID:
            raise ValueError("notification for another app")
        event_type = data.get("event_type", "")
        payload = {
            "id": notification_id,
            "event_type": event_type,
            "create_time": data.get("create_time", ""),
            "summary": data.get("summary", ""),
        }
        if event_type == "TRANSACTION.SUCCESS":
            if resource["trade_state"] != "SUCCESS":
                return []
            return [self._transaction_event(resource, event_id=notification_id, payload=payload)]
        if event_type in REFUND_EVENT_TYPES:
            return [self._refund_event(resource, event_id=notification_id, payload=payload)]
        logger.info("WeChat Pay notification %s of type %s ignored", notification_id, event_type)
        return []

    @staticmethod
    def _transaction_event(
        transaction: Mapping[str, Any], *, event_id: str, payload: Mapping[str, Any]
    ) -> GatewayEvent:
        """A PAID event from a transaction (a notification's resource or a query's answer)."""
        amount = transaction["amount"]
        return GatewayEvent(
            kind=EventKind.PAID,
            reference=transaction["out_trade_no"],
            event_id=event_id,
            amount=amount_from_fen(amount["total"]),
            currency=str(amount.get("currency", "CNY")).upper(),
            gateway_reference=transaction["transaction_id"],
            status=transaction["trade_state"],
            payload={**payload, "resource": _pick(transaction, TRANSACTION_FIELDS)},
        )

    @staticmethod
    def _refund_event(
        refund: Mapping[str, Any], *, event_id: str, payload: Mapping[str, Any]
    ) -> GatewayEvent:
        status = REFUND_STATUS[refund["refund_status"]]
        return GatewayEvent(
            kind=REFUND_EVENT_KIND[status],
            reference=refund["out_trade_no"],
            event_id=event_id,
            amount=amount_from_fen(refund["amount"]["refund"]),
            # Refund notifications carry no currency; WeChat Pay refunds in the payment's (CNY).
            currency="CNY",
            gateway_reference=refund["refund_id"],
            refund_reference=refund["out_refund_no"],
            status=refund["refund_status"],
            payload={**payload, "resource": _pick(refund, REFUND_FIELDS)},
        )

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        # WeChat Pay: 200/204 without a body on success; 4xx with {"code": "FAIL"} and it retries.
        if accepted:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": "notification refused"}, status=400)

    # Queries, closing and refunds

    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        client = self._client()
        status, data = self._call("query", partial(client.query, out_trade_no=payment.reference))
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            # Never created at WeChat Pay: nobody can pay it.
            return GatewayEvent(
                kind=EventKind.FAILED, reference=payment.reference, status="ORDER_NOT_EXIST", payload=data
            )
        if status != 200:
            raise GatewayError(self._error_text("query", status, data))
        if data.get("out_trade_no") != payment.reference:
            raise GatewayError("WeChat Pay query answered about another payment.")
        trade_state = data.get("trade_state", "")
        if trade_state in TRADE_PAID:
            try:
                return self._transaction_event(data, event_id="", payload={"query": True})
            except (KeyError, TypeError, ValueError) as exc:
                raise GatewayError(f"WeChat Pay query: malformed answer ({exc}).") from exc
        if trade_state in TRADE_FAILED:
            return GatewayEvent(
                kind=EventKind.FAILED,
                reference=payment.reference,
                status=trade_state,
                gateway_reference=data.get("transaction_id", ""),
                payload={"query": True, "resource": _pick(data, TRANSACTION_FIELDS)},
            )
        if trade_state not in TRADE_PENDING:
            logger.warning("WeChat Pay query: unknown trade_state %r for %s", trade_state, payment.reference)
        return None

    def checkout_close(self, *, payment: "Payment") -> None:
        client = self._client()
        status, data = self._call("close", partial(client.close, out_trade_no=payment.reference))
        if status not in (200, 204):
            raise GatewayError(self._error_text("close", status, data))

    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        client = self._client()
        call = partial(
            client.refund,
            out_refund_no=refund.reference,
            amount={
                "refund": fen_from_amount(refund.amount),
                "total": fen_from_amount(payment.amount),
                "currency": "CNY",
            },
            out_trade_no=payment.reference,
            reason=refund.reason[:80] or None,
            notify_url=self._notify_url(),
        )
        status, data = self._call("refund", call)
        if status == 200:
            return self._refund_outcome(data)
        # A definite refusal (amount too large, trade not refundable...): the refund failed.
        return RefundOutcome(status="failed", message=self._error_text("refund", status, data), payload=data)

    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        client = self._client()
        status, data = self._call(
            "refund query", partial(client.query_refund, out_refund_no=refund.reference)
        )
        if status == 404 and data.get("code") == "RESOURCE_NOT_EXISTS":
            # The request never reached WeChat Pay: send it again with the same out_refund_no,
            # as WeChat Pay advises (it never refunds one out_refund_no twice).
            return self.refund_create(payment=payment, refund=refund)
        if status != 200:
            raise GatewayError(self._error_text("refund query", status, data))
        return self._refund_outcome(data)

    @staticmethod
    def _refund_outcome(data: Mapping[str, Any]) -> RefundOutcome:
        refund_status = data.get("status", "")
        if refund_status not in REFUND_STATUS:
            raise GatewayError(f"WeChat Pay refund: unknown status {refund_status!r}.")
        return RefundOutcome(
            status=REFUND_STATUS[refund_status],
            gateway_reference=data.get("refund_id", ""),
            message="" if refund_status in ("SUCCESS", "PROCESSING") else refund_status,
            payload=_pick(data, REFUND_FIELDS),
        )
