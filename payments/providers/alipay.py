"""Alipay website (PC) and mobile-browser payments with ``python-alipay-sdk`` (RSA2).

The shopper is sent to Alipay's cashier with a signed URL (alipay.trade.page.pay
on desktops, alipay.trade.wap.pay on phones) and comes back to the order page;
only the signed asynchronous notification or a signed answer to
alipay.trade.query says the order is paid. A client is built per call from the
settings, so a change of keys or gateway needs no restart and tests point it at
a local stand-in.
"""

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
# Domains of Alipay's own cashier pages (production and sandbox).
ALIPAY_CASHIER_DOMAINS = ("alipay.com", "alipaydev.com")
# Alipay writes every time (timestamp, notify_time, time_expire) in Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CENTS = Decimal("0.01")
AMOUNT_PATTERN = re.compile(r"\d{1,10}(\.\d{1,2})?")
# How long the cashier page may be paid; the pay button starts a new attempt after that.
PAYMENT_WINDOW = timedelta(minutes=30)
# Alipay resends an unanswered notification with the same notify_id 8 times over about
# 25 hours (4m, 10m, 10m, 1h, 2h, 6h, 15h). Every genuine delivery, retries included,
# falls inside this window; anything older is a replay and is refused. A lost
# notification is still recovered afterwards by sync_payments asking alipay.trade.query.
NOTIFICATION_MAX_AGE = timedelta(hours=26)
# Clocks differ a little; a notify_time further ahead than this is not genuine.
NOTIFICATION_MAX_AHEAD = timedelta(minutes=10)
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
CHANNEL_METHODS = {
    "page": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
    "wap": ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
}
SUCCESS_CODE = "10000"
# Alipay's "system busy" answers: nothing was decided, the same request may be repeated.
RETRYABLE_CODES = frozenset({"20000", "20001"})
RETRYABLE_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"})
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
# Subject may not contain these (Alipay's rule for the order title).
SUBJECT_FORBIDDEN = re.compile(r"[/=&]")
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


class _GatewayClient(AliPay):
    """The SDK's client, sending its server API calls to the gateway URL we configure.

    python-alipay-sdk 3.4 picks its gateway from the ``debug`` flag in the
    constructor and has no public way to name another. Every server API call
    goes through ``verified_sync_response``, so this subclass sends the same
    signed request (as a form POST, as Alipay's own SDKs do) to our URL and
    leaves signing and the check of the answer's signature to the SDK.
    """

    def __init__(self, *, gateway_url: str, timeout: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gateway_url = gateway_url
        self.timeout = timeout

    def verified_sync_response(self, data: dict, response_type: str) -> dict:
        body = self.sign_data(data).encode()
        request = Request(
            self.gateway_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        with urlopen(request, timeout=self.timeout) as response:
            raw = response.read().decode("utf-8")
        parsed = json.loads(raw)
        if not isinstance(parsed, dict) or not (response_type in parsed or "error_response" in parsed):
            raise AliPayException(None, f"unexpected answer without {response_type}")
        return self._verify_and_return_sync_response(raw, response_type)


def _beijing_text(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def _beijing_parse(text: str) -> datetime:
    """An Alipay time ("2024-05-01 12:00:00", Beijing) as an aware datetime; raises ValueError."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=BEIJING)


def _amount_text(amount: Decimal) -> str:
    """Yuan with exactly two places, as Alipay wants them ("12.30")."""
    return format(amount.quantize(CENTS), "f")


def _amount_parse(text: str) -> Decimal:
    """Alipay's "12.3" or "12.30" as Decimal("12.30"); raises ValueError for anything else."""
    if not AMOUNT_PATTERN.fullmatch(text or ""):
        raise ValueError(f"not an amount: {text!r}")
    return Decimal(text).quantize(CENTS)


def _payload(fields: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(fields[key]) for key in PAYLOAD_FIELDS if fields.get(key) not in (None, "")}


def _key_text(*, value: str, path: str, setting: str) -> str:
    """A key from its setting (PEM, or the bare base64 Alipay's tools print) or from its file."""
    if not value and path:
        try:
            with open(path, encoding="utf-8") as key_file:
                value = key_file.read()
        except OSError as error:
            raise GatewayError(f"{setting}_FILE cannot be read: {error.strerror}") from error
    value = value.strip()
    if value and "-----BEGIN" not in value:
        kind = "PRIVATE KEY" if "PRIVATE" in setting else "PUBLIC KEY"
        body = "\n".join(value[start : start + 64] for start in range(0, len(value), 64))
        value = f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"
    return value


class AlipayProvider(GatewayProvider):
    """Alipay: the cashier page (PC) or mobile-browser cashier, then a signed notification."""

    code = "alipay"
    name = _("Alipay")
    description = _("Pay with your Alipay account or the Alipay app.")
    currencies = frozenset({"CNY"})
    channels = ("page", "wap")

    def is_configured(self) -> bool:
        return bool(
            settings.ALIPAY_APP_ID
            and (settings.ALIPAY_APP_PRIVATE_KEY or settings.ALIPAY_APP_PRIVATE_KEY_FILE)
            and (settings.ALIPAY_PUBLIC_KEY or settings.ALIPAY_PUBLIC_KEY_FILE)
        )

    def gateway_url(self) -> str:
        """The configured gateway, else Alipay's sandbox or production gateway."""
        if settings.ALIPAY_GATEWAY_URL:
            return settings.ALIPAY_GATEWAY_URL
        return SANDBOX_GATEWAY if settings.ALIPAY_SANDBOX else PRODUCTION_GATEWAY

    def form_action_origins(self) -> list[str]:
        parts = urlsplit(self.gateway_url())
        origins = [f"{parts.scheme}://{parts.netloc}"]
        # Alipay's gateway sends the browser on to its cashier hosts (excashier, mclient...),
        # and the CSP form-action is checked on every redirect of a form's navigation.
        for domain in ALIPAY_CASHIER_DOMAINS:
            if parts.hostname and (parts.hostname == domain or parts.hostname.endswith(f".{domain}")):
                origins.append(f"https://*.{domain}")
        return origins

    def _client(self) -> _GatewayClient:
        """An SDK client from the current settings; raises GatewayError when a key cannot be loaded."""
        private_key = _key_text(
            value=settings.ALIPAY_APP_PRIVATE_KEY,
            path=settings.ALIPAY_APP_PRIVATE_KEY_FILE,
            setting="ALIPAY_APP_PRIVATE_KEY",
        )
        public_key = _key_text(
            value=settings.ALIPAY_PUBLIC_KEY,
            path=settings.ALIPAY_PUBLIC_KEY_FILE,
            setting="ALIPAY_PUBLIC_KEY",
        )
        try:
            return _GatewayClient(
                gateway_url=self.gateway_url(),
                timeout=settings.ALIPAY_TIMEOUT,
                appid=settings.ALIPAY_APP_ID,
                app_private_key_string=private_key,
                alipay_public_key_string=public_key,
                sign_type="RSA2",
            )
        except (ValueError, IndexError, TypeError) as error:
            raise GatewayError(f"Alipay keys cannot be loaded: {error}") from error

    def _call(self, method: str, biz_content: dict[str, Any]) -> dict[str, Any]:
        """One server API call; the answer's signature is checked. Raises GatewayError."""
        client = self._client()
        try:
            return client.server_api(method, biz_content=biz_content, timestamp=_beijing_text(timezone.now()))
        except AliPayValidationError as error:
            raise GatewayError(f"Alipay {method}: the answer's signature is not valid") from error
        except (AliPayException, OSError, HTTPException, ValueError) as error:
            raise GatewayError(f"Alipay {method} failed: {error}") from error

    @staticmethod
    def _refusal(method: str, answer: Mapping[str, Any]) -> str:
        return (
            f"Alipay {method} refused: {answer.get('code')} {answer.get('msg')} "
            f"{answer.get('sub_code', '')} {answer.get('sub_msg', '')}".strip()
        )

    @staticmethod
    def _retryable(answer: Mapping[str, Any]) -> bool:
        return answer.get("code") in RETRYABLE_CODES or answer.get("sub_code") in RETRYABLE_SUB_CODES

    def checkout_create(self, *, payment: "Payment", urls: GatewayUrls, client_ip: str) -> GatewayCheckout:
        """Sign the cashier URL; nothing is sent to Alipay until the shopper's browser opens it."""
        if payment.currency.upper() not in self.currencies:
            raise GatewayError(f"Alipay takes CNY only, not {payment.currency}")
        method, product_code = CHANNEL_METHODS.get(payment.channel, CHANNEL_METHODS["page"])
        now = timezone.now()
        expires_at = now + PAYMENT_WINDOW
        subject = gettext("%(shop)s order %(number)s") % {
            "shop": settings.SHOP_NAME,
            "number": payment.order.number,
        }
        biz_content = {
            "out_trade_no": payment.reference,
            "total_amount": _amount_text(payment.amount),
            "subject": SUBJECT_FORBIDDEN.sub(" ", subject)[:256],
            "product_code": product_code,
            "time_expire": _beijing_text(expires_at),
        }
        if method == "alipay.trade.wap.pay":
            # The mobile cashier's "back to the shop" link.
            biz_content["quit_url"] = urls.return_url
        client = self._client()
        signed = client.client_api(
            method,
            biz_content=biz_content,
            return_url=urls.return_url,
            notify_url=urls.notify_url,
            timestamp=_beijing_text(now),
        )
        return GatewayCheckout(
            redirect_url=f"{self.gateway_url()}?{signed}",
            expires_at=expires_at,
            payload={"method": method, **{key: biz_content[key] for key in ("out_trade_no", "total_amount")}},
        )

    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        """Check the notification's RSA2 signature, app, seller and age, then say what it reports.

        Alipay signs every field but ``sign`` and ``sign_type``, sorted, as ``k=v`` joined by ``&``.
        """
        fields = self._notification_fields(request)
        signature = fields.pop("sign", "")
        if not signature or fields.get("sign_type") != "RSA2":
            raise NotificationRejected("unsigned or not RSA2")
        try:
            genuine = self._client().verify(dict(fields), signature)
        except GatewayError as error:
            raise NotificationRejected(str(error)) from error
        except (AliPayException, ValueError) as error:
            raise NotificationRejected(f"signature cannot be checked: {error}") from error
        if not genuine:
            raise NotificationRejected("bad signature")
        self._notification_check(fields)
        return self._notification_events(fields)

    @staticmethod
    def _notification_fields(request: HttpRequest) -> dict[str, str]:
        if request.method != "POST" or not request.POST:
            raise NotificationRejected("not a form POST")
        fields = {}
        for key in request.POST:
            values = request.POST.getlist(key)
            if len(values) != 1:
                raise NotificationRejected(f"field {key} repeated")
            fields[key] = values[0]
        return fields

    @staticmethod
    def _notification_check(fields: Mapping[str, str]) -> None:
        """App, seller, ids and freshness of a notification whose signature is good."""
        if fields.get("app_id") != settings.ALIPAY_APP_ID:
            raise NotificationRejected("for another app_id")
        if settings.ALIPAY_SELLER_ID and fields.get("seller_id") != settings.ALIPAY_SELLER_ID:
            raise NotificationRejected("for another seller_id")
        if not fields.get("notify_id") or not fields.get("out_trade_no"):
            raise NotificationRejected("notify_id or out_trade_no missing")
        try:
            sent_at = _beijing_parse(fields.get("notify_time", ""))
        except ValueError as error:
            raise NotificationRejected("notify_time missing or malformed") from error
        now = timezone.now()
        if sent_at < now - NOTIFICATION_MAX_AGE:
            raise NotificationRejected(f"stale: sent at {fields['notify_time']} (Beijing time)")
        if sent_at > now + NOTIFICATION_MAX_AHEAD:
            raise NotificationRejected(f"sent in the future: {fields['notify_time']} (Beijing time)")

    @staticmethod
    def _notification_events(fields: Mapping[str, str]) -> list[GatewayEvent]:
        """The event a verified notification reports; [] for statuses that change nothing."""
        status = fields.get("trade_status", "")
        common = {
            "reference": fields["out_trade_no"],
            "event_id": fields["notify_id"],
            "currency": "CNY",
            "gateway_reference": fields.get("trade_no", ""),
            "status": status,
            "payload": _payload(fields),
        }
        if fields.get("out_biz_no") or fields.get("refund_fee") or fields.get("gmt_refund"):
            # A refund (partial: TRADE_SUCCESS, full: TRADE_CLOSED). Its refund_fee is the
            # trade's total refunded so far, not this refund's amount, so no amount is given.
            if not fields.get("out_biz_no"):
                raise NotificationRejected("refund notification without out_biz_no")
            return [
                GatewayEvent(kind=EventKind.REFUND_SUCCEEDED, refund_reference=fields["out_biz_no"], **common)
            ]
        if status in PAID_STATUSES:
            try:
                amount = _amount_parse(fields.get("total_amount", ""))
            except ValueError as error:
                raise NotificationRejected("total_amount missing or malformed") from error
            return [GatewayEvent(kind=EventKind.PAID, amount=amount, **common)]
        if status == "TRADE_CLOSED":
            return [GatewayEvent(kind=EventKind.FAILED, **common)]
        if status != "WAIT_BUYER_PAY":
            logger.warning("Alipay notification with unknown trade_status %s ignored", status)
        return []

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        """Alipay stops resending only on the exact body "success"."""
        if accepted:
            return HttpResponse("success", content_type="text/plain")
        return HttpResponse("fail", status=400, content_type="text/plain")

    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        """alipay.trade.query: paid, closed (failed), or None while the shopper may still pay."""
        answer = self._call("alipay.trade.query", {"out_trade_no": payment.reference})
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") == TRADE_NOT_EXIST:
                # The trade appears only when the shopper opens the cashier; once the
                # cashier link has expired it never will.
                if payment.expires_at is not None and payment.expires_at <= timezone.now():
                    return GatewayEvent(
                        kind=EventKind.FAILED, reference=payment.reference, status="TRADE_NOT_EXIST"
                    )
                return None
            raise GatewayError(self._refusal("alipay.trade.query", answer))
        if answer.get("out_trade_no") != payment.reference:
            raise GatewayError("Alipay alipay.trade.query answered about another trade")
        status = answer.get("trade_status", "")
        common = {
            "reference": payment.reference,
            "currency": "CNY",
            "gateway_reference": answer.get("trade_no", ""),
            "status": status,
            "payload": _payload(answer),
        }
        if status in PAID_STATUSES:
            try:
                amount = _amount_parse(answer.get("total_amount", ""))
            except ValueError as error:
                raise GatewayError("Alipay alipay.trade.query: total_amount malformed") from error
            return GatewayEvent(kind=EventKind.PAID, amount=amount, **common)
        if status == "TRADE_CLOSED":
            return GatewayEvent(kind=EventKind.FAILED, **common)
        return None

    def checkout_close(self, *, payment: "Payment") -> None:
        """alipay.trade.close; raises GatewayError if the trade was paid meanwhile or may still be paid."""
        answer = self._call("alipay.trade.close", {"out_trade_no": payment.reference})
        if answer.get("code") == SUCCESS_CODE:
            return
        # Refused: fine if the trade is closed already, or was never opened and its
        # cashier link has expired (the query then reports it failed); not if it was paid.
        state = self.payment_query(payment=payment)
        if state is None or state.kind != EventKind.FAILED:
            raise GatewayError(self._refusal("alipay.trade.close", answer))

    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """alipay.trade.refund; out_request_no (our refund reference) makes repeats safe.

        Alipay refunds synchronously: fund_change "Y" means the money moved now. "N" is
        the answer to a repeat, so the refund query says how it ended.
        """
        biz_content = {
            "out_trade_no": payment.reference,
            "refund_amount": _amount_text(refund.amount),
            "out_request_no": refund.reference,
        }
        if refund.reason:
            biz_content["refund_reason"] = refund.reason[:256]
        answer = self._call("alipay.trade.refund", biz_content)
        if answer.get("code") == SUCCESS_CODE:
            if answer.get("fund_change") == "Y":
                return RefundOutcome(
                    status="succeeded", gateway_reference=answer.get("trade_no", ""), payload=_payload(answer)
                )
            return self._refund_lookup(payment=payment, refund=refund, resend=False)
        if self._retryable(answer):
            return RefundOutcome(status="pending", message=self._refusal("alipay.trade.refund", answer))
        return RefundOutcome(
            status="failed", message=self._refusal("alipay.trade.refund", answer), payload=_payload(answer)
        )

    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """alipay.trade.fastpay.refund.query; a refund Alipay never received is sent again.

        Alipay's rule: an answer without the refund means it did not happen, and the
        same out_request_no may be sent again (it can never refund twice).
        """
        return self._refund_lookup(payment=payment, refund=refund, resend=True)

    def _refund_lookup(self, *, payment: "Payment", refund: "Refund", resend: bool) -> RefundOutcome:
        answer = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": payment.reference, "out_request_no": refund.reference},
        )
        if answer.get("code") != SUCCESS_CODE:
            if self._retryable(answer):
                return RefundOutcome(status="pending", message=self._refusal("refund query", answer))
            raise GatewayError(self._refusal("alipay.trade.fastpay.refund.query", answer))
        found = answer.get("out_request_no") == refund.reference and answer.get("refund_amount")
        if found and answer.get("refund_status", "REFUND_SUCCESS") in ("", "REFUND_SUCCESS"):
            return RefundOutcome(
                status="succeeded", gateway_reference=answer.get("trade_no", ""), payload=_payload(answer)
            )
        if found:
            return RefundOutcome(status="pending", payload=_payload(answer))
        if resend:
            return self.refund_create(payment=payment, refund=refund)
        return RefundOutcome(status="pending", message="Alipay has no record of this refund yet")
