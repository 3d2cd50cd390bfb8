"""``AlipayProvider``: the signed cashier URL, and the server API calls (query, close, refunds).

Alipay's answers carry a ``code``: "10000" is success, a few "system busy" codes
mean nothing was decided and the same request may be repeated.
"""

import re
from collections.abc import Mapping
from datetime import timedelta
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.browsers import Browser
from payments.providers.alipay.client import gateway_url, sdk_client
from payments.providers.alipay.formats import PAID_STATUSES, amount_parse, amount_text, beijing_text, payload
from payments.providers.alipay.notifications import notification_events
from payments.providers.base import (
    EventKind,
    GatewayCheckout,
    GatewayError,
    GatewayEvent,
    GatewayProvider,
    GatewayUrls,
    RefundOutcome,
)

if TYPE_CHECKING:
    from payments.models import Payment, Refund

# Domains of Alipay's own cashier pages (production and sandbox).
ALIPAY_CASHIER_DOMAINS = ("alipay.com", "alipaydev.com")
# How long the cashier page may be paid; the pay button starts a new attempt after that.
PAYMENT_WINDOW = timedelta(minutes=30)
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


def _call(method: str, biz_content: dict[str, Any]) -> dict[str, Any]:
    """One server API call; the answer's signature is checked. Raises GatewayError."""
    client = sdk_client()
    try:
        return client.server_api(method, biz_content=biz_content, timestamp=beijing_text(timezone.now()))
    except AliPayValidationError as error:
        raise GatewayError(f"Alipay {method}: the answer's signature is not valid") from error
    except (AliPayException, OSError, HTTPException, ValueError) as error:
        raise GatewayError(f"Alipay {method} failed: {error}") from error


def _refusal(method: str, answer: Mapping[str, Any]) -> str:
    return (
        f"Alipay {method} refused: {answer.get('code')} {answer.get('msg')} "
        f"{answer.get('sub_code', '')} {answer.get('sub_msg', '')}".strip()
    )


def _retryable(answer: Mapping[str, Any]) -> bool:
    return answer.get("code") in RETRYABLE_CODES or answer.get("sub_code") in RETRYABLE_SUB_CODES


class AlipayProvider(GatewayProvider):
    """Alipay: the cashier page (PC) or mobile-browser cashier, then a signed notification."""

    code = "alipay"
    name = _("Alipay")
    currencies = frozenset({"CNY"})
    channels = ("page", "wap")
    # WeChat's browser blocks Alipay's pages: the shopper is shown how to leave WeChat.
    opens_outside_wechat = True

    def is_configured(self) -> bool:
        return bool(
            settings.ALIPAY_APP_ID
            and (settings.ALIPAY_APP_PRIVATE_KEY or settings.ALIPAY_APP_PRIVATE_KEY_FILE)
            and (settings.ALIPAY_PUBLIC_KEY or settings.ALIPAY_PUBLIC_KEY_FILE)
        )

    def channel_for(self, *, browser: Browser) -> str | None:
        """The cashier page on a desktop, the mobile one on phones and in the Alipay app; none in WeChat."""
        if browser is Browser.WECHAT:
            return None
        return "page" if browser is Browser.DESKTOP else "wap"

    def form_action_origins(self) -> list[str]:
        parts = urlsplit(gateway_url())
        origins = [f"{parts.scheme}://{parts.netloc}"]
        # Alipay's gateway sends the browser on to its cashier hosts (excashier, mclient...),
        # and the CSP form-action is checked on every redirect of a form's navigation.
        for domain in ALIPAY_CASHIER_DOMAINS:
            if parts.hostname and (parts.hostname == domain or parts.hostname.endswith(f".{domain}")):
                origins.append(f"https://*.{domain}")
        return origins

    def checkout_create(
        self, *, payment: "Payment", urls: GatewayUrls, client_ip: str, payer_id: str = ""
    ) -> GatewayCheckout:
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
            "total_amount": amount_text(payment.amount),
            "subject": SUBJECT_FORBIDDEN.sub(" ", subject)[:256],
            "product_code": product_code,
            "time_expire": beijing_text(expires_at),
        }
        if method == "alipay.trade.wap.pay":
            # The mobile cashier's "back to the shop" link.
            biz_content["quit_url"] = urls.return_url
        client = sdk_client()
        signed = client.client_api(
            method,
            biz_content=biz_content,
            return_url=urls.return_url,
            notify_url=urls.notify_url,
            timestamp=beijing_text(now),
        )
        return GatewayCheckout(
            redirect_url=f"{gateway_url()}?{signed}",
            expires_at=expires_at,
            payload={"method": method, **{key: biz_content[key] for key in ("out_trade_no", "total_amount")}},
        )

    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        """Check the notification's RSA2 signature, app, seller and age, then say what it reports."""
        return notification_events(request)

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        """Alipay stops resending only on the exact body "success"."""
        if accepted:
            return HttpResponse("success", content_type="text/plain")
        return HttpResponse("fail", status=400, content_type="text/plain")

    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        """alipay.trade.query: paid, closed (failed), or None while the shopper may still pay."""
        answer = _call("alipay.trade.query", {"out_trade_no": payment.reference})
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") == TRADE_NOT_EXIST:
                # The trade appears only when the shopper opens the cashier; once the
                # cashier link has expired it never will.
                if payment.expires_at is not None and payment.expires_at <= timezone.now():
                    return GatewayEvent(
                        kind=EventKind.FAILED, reference=payment.reference, status="TRADE_NOT_EXIST"
                    )
                return None
            raise GatewayError(_refusal("alipay.trade.query", answer))
        if answer.get("out_trade_no") != payment.reference:
            raise GatewayError("Alipay alipay.trade.query answered about another trade")
        status = answer.get("trade_status", "")
        common = {
            "reference": payment.reference,
            "currency": "CNY",
            "gateway_reference": answer.get("trade_no", ""),
            "status": status,
            "payload": payload(answer),
        }
        if status in PAID_STATUSES:
            try:
                amount = amount_parse(answer.get("total_amount", ""))
            except ValueError as error:
                raise GatewayError("Alipay alipay.trade.query: total_amount malformed") from error
            return GatewayEvent(kind=EventKind.PAID, amount=amount, **common)
        if status == "TRADE_CLOSED":
            return GatewayEvent(kind=EventKind.FAILED, **common)
        return None

    def checkout_close(self, *, payment: "Payment") -> None:
        """alipay.trade.close; raises GatewayError if the trade was paid meanwhile or may still be paid."""
        answer = _call("alipay.trade.close", {"out_trade_no": payment.reference})
        if answer.get("code") == SUCCESS_CODE:
            return
        # Refused: fine if the trade is closed already, or was never opened and its
        # cashier link has expired (the query then reports it failed); not if it was paid.
        state = self.payment_query(payment=payment)
        if state is None or state.kind != EventKind.FAILED:
            raise GatewayError(_refusal("alipay.trade.close", answer))

    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """alipay.trade.refund; out_request_no (our refund reference) makes repeats safe.

        Alipay refunds synchronously: fund_change "Y" means the money moved now. "N" is
        the answer to a repeat, so the refund query says how it ended.
        """
        biz_content = {
            "out_trade_no": payment.reference,
            "refund_amount": amount_text(refund.amount),
            "out_request_no": refund.reference,
        }
        if refund.reason:
            biz_content["refund_reason"] = refund.reason[:256]
        answer = _call("alipay.trade.refund", biz_content)
        if answer.get("code") == SUCCESS_CODE:
            if answer.get("fund_change") == "Y":
                return RefundOutcome(
                    status="succeeded", gateway_reference=answer.get("trade_no", ""), payload=payload(answer)
                )
            return self._refund_lookup(payment=payment, refund=refund, resend=False)
        if _retryable(answer):
            return RefundOutcome(status="pending", message=_refusal("alipay.trade.refund", answer))
        return RefundOutcome(
            status="failed", message=_refusal("alipay.trade.refund", answer), payload=payload(answer)
        )

    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """alipay.trade.fastpay.refund.query; a refund Alipay never received is sent again.

        Alipay's rule: an answer without the refund means it did not happen, and the
        same out_request_no may be sent again (it can never refund twice).
        """
        return self._refund_lookup(payment=payment, refund=refund, resend=True)

    def _refund_lookup(self, *, payment: "Payment", refund: "Refund", resend: bool) -> RefundOutcome:
        answer = _call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": payment.reference, "out_request_no": refund.reference},
        )
        if answer.get("code") != SUCCESS_CODE:
            if _retryable(answer):
                return RefundOutcome(status="pending", message=_refusal("refund query", answer))
            raise GatewayError(_refusal("alipay.trade.fastpay.refund.query", answer))
        found = answer.get("out_request_no") == refund.reference and answer.get("refund_amount")
        if found and answer.get("refund_status", "REFUND_SUCCESS") in ("", "REFUND_SUCCESS"):
            return RefundOutcome(
                status="succeeded", gateway_reference=answer.get("trade_no", ""), payload=payload(answer)
            )
        if found:
            return RefundOutcome(status="pending", payload=payload(answer))
        if resend:
            return self.refund_create(payment=payment, refund=refund)
        return RefundOutcome(status="pending", message="Alipay has no record of this refund yet")
