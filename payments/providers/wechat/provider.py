"""``WeChatPayProvider``: Native, H5 and JSAPI checkout, queries, closing and refunds through the SDK."""

import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from wechatpayv3 import WeChatPayType

from payments.browsers import Browser
from payments.providers.base import (
    EventKind,
    GatewayCheckout,
    GatewayError,
    GatewayEvent,
    GatewayProvider,
    GatewayUrls,
    RefundOutcome,
    pick_fields,
)
from payments.providers.wechat import client, oauth
from payments.providers.wechat.notifications import notification_events
from payments.providers.wechat.resources import (
    TRANSACTION_FIELDS,
    fen_from_amount,
    refund_outcome,
    transaction_event,
)

if TYPE_CHECKING:
    from orders.models import Order
    from payments.models import Payment, Refund

# One logger per gateway, named after its package as before the split into modules.
logger = logging.getLogger(__package__)

# WeChat Pay reads and writes times in China Standard Time (RFC 3339 with +08:00).
CHINA_TIME = ZoneInfo("Asia/Shanghai")
# How long a QR code or H5 page can be paid (time_expire).
PAYMENT_WINDOW = timedelta(minutes=30)
TRADE_PAID = frozenset({"SUCCESS", "REFUND"})  # REFUND: paid, and a refund has started since
TRADE_FAILED = frozenset({"CLOSED", "PAYERROR", "REVOKED"})
TRADE_PENDING = frozenset({"NOTPAY", "USERPAYING"})


class WeChatPayProvider(GatewayProvider):
    code = "wechat"
    name = gettext_lazy("WeChat Pay")
    currencies = frozenset({"CNY"})
    # Desktop first, other phones last; "jsapi" is WeChat's own browser (needs an official account).
    channels = ("native", "jsapi", "h5")
    page_channels = ("jsapi",)

    def is_configured(self) -> bool:
        return client.is_configured()

    def channel_for(self, *, browser: Browser) -> str | None:
        """The QR code on a desktop and in the Alipay app, H5 in phone browsers, JSAPI inside WeChat.

        Inside WeChat (which refuses H5) only JSAPI can pay, and only with the official
        account configured and the "jsapi" channel built: otherwise None.
        """
        if browser is Browser.WECHAT:
            return "jsapi" if "jsapi" in self.channels and client.official_account_configured() else None
        return "h5" if browser is Browser.MOBILE else "native"

    def channel_usable(self, channel: str) -> bool:
        if channel == "jsapi":
            return oauth.is_configured()
        return super().channel_usable(channel)

    def form_action_origins(self) -> list[str]:
        # H5 payment: the pay form's answer redirects the phone's browser to WeChat Pay's page;
        # JSAPI: to WeChat's authorisation page first, to learn the shopper's openid.
        origins = ["https://wx.tenpay.com"]
        if oauth.is_configured():
            origins.append(oauth.oauth_origin())
        return origins

    # The shopper's openid (JSAPI)

    def payer_id_get(self, *, request: HttpRequest, channel: str) -> str:
        return oauth.session_openid(request.session) if channel == "jsapi" else ""

    def payer_authorize_url(self, *, request: HttpRequest, order: "Order", channel: str) -> str:
        if channel != "jsapi":
            return ""
        return oauth.authorize_url(session=request.session, order_number=order.number)

    def _notify_url(self) -> str:
        """Where WeChat Pay sends refund notifications (payments come with GatewayUrls)."""
        return settings.PAYMENT_NOTIFY_BASE_URL + reverse("payments:notify", kwargs={"provider": self.code})

    # Checkout

    def checkout_create(
        self, *, payment: "Payment", urls: GatewayUrls, client_ip: str, payer_id: str = ""
    ) -> GatewayCheckout:
        channel = payment.channel or self.channels[0]
        if channel not in self.channels:
            raise GatewayError(f"WeChat Pay has no channel {channel!r}.")
        if payment.currency.upper() != "CNY":
            raise GatewayError(f"WeChat Pay takes CNY only, not {payment.currency}.")
        if channel == "h5" and not client_ip:
            raise GatewayError("WeChat Pay H5 needs the shopper's IP address.")
        expires_at = (timezone.now() + PAYMENT_WINDOW).astimezone(CHINA_TIME).replace(microsecond=0)
        if channel == "jsapi":
            return self._jsapi_create(payment=payment, urls=urls, payer_id=payer_id, expires_at=expires_at)
        call = self._pay_call(
            payment=payment,
            urls=urls,
            expires_at=expires_at,
            scene_info=self._scene_info(channel=channel, client_ip=client_ip),
            pay_type=WeChatPayType.H5 if channel == "h5" else WeChatPayType.NATIVE,
        )
        status, data = client.api_call("create", call)
        payload = {"channel": channel, "time_expire": expires_at.isoformat(), "status": status}
        if channel == "h5":
            if status != 200 or not data.get("h5_url"):
                raise GatewayError(client.error_text("create", status, data))
            h5_url = data["h5_url"]
            # WeChat sends the browser back to redirect_url once the shopper leaves its page.
            separator = "&" if "?" in h5_url else "?"
            redirect_url = f"{h5_url}{separator}redirect_url={quote(urls.return_url, safe='')}"
            return GatewayCheckout(redirect_url=redirect_url, expires_at=expires_at, payload=payload)
        if status != 200 or not data.get("code_url"):
            raise GatewayError(client.error_text("create", status, data))
        return GatewayCheckout(qr_code=data["code_url"], expires_at=expires_at, payload=payload)

    def _pay_call(
        self, *, payment: "Payment", urls: GatewayUrls, expires_at: datetime, **channel_fields: Any
    ) -> Callable[[], tuple[int, Any]]:
        """The SDK's order creation for ``payment``, with what every channel sends and its own fields."""
        return partial(
            client.sdk_client().pay,
            description=self._description(payment),
            out_trade_no=payment.reference,
            amount={"total": fen_from_amount(payment.amount), "currency": "CNY"},
            time_expire=expires_at.isoformat(),
            notify_url=urls.notify_url,
            **channel_fields,
        )

    def _jsapi_create(
        self, *, payment: "Payment", urls: GatewayUrls, payer_id: str, expires_at: datetime
    ) -> GatewayCheckout:
        """A JSAPI prepay order for the official account's openid; the order page then pays it in WeChat."""
        if not oauth.is_configured():
            raise GatewayError("WeChat Pay JSAPI needs an official account (WECHAT_MP_APP_ID and _SECRET).")
        if not payer_id:
            raise GatewayError("WeChat Pay JSAPI needs the payer's openid.")
        call = self._pay_call(
            payment=payment,
            urls=urls,
            expires_at=expires_at,
            appid=settings.WECHAT_MP_APP_ID,
            payer={"openid": payer_id},
            pay_type=WeChatPayType.JSAPI,
        )
        status, data = client.api_call("create", call)
        prepay_id = data.get("prepay_id")
        if status != 200 or not isinstance(prepay_id, str) or not prepay_id:
            raise GatewayError(client.error_text("create", status, data))
        # The order page shows the "Pay" button that hands the prepay order to WeChat's bridge.
        return GatewayCheckout(
            redirect_url=urls.page_url,
            gateway_reference=prepay_id,
            expires_at=expires_at,
            payload={"channel": "jsapi", "time_expire": expires_at.isoformat(), "status": status},
        )

    def page_payment_params(self, *, payment: "Payment") -> dict[str, str]:
        """The parameters of ``getBrandWCPayRequest``, signed with the merchant key (paySign, RSA)."""
        sdk = client.sdk_client()
        params = {
            "appId": settings.WECHAT_MP_APP_ID,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={payment.gateway_reference}",
        }
        try:
            # The SDK signs the lines appId, timeStamp, nonceStr, package, each ended by a newline.
            signature = sdk.sign(
                [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
            )
        except (TypeError, ValueError) as exc:
            raise GatewayError(f"WeChat Pay: cannot sign the JSAPI parameters ({exc}).") from exc
        return {**params, "signType": "RSA", "paySign": signature}

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
        return notification_events(request)

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        # WeChat Pay: 200/204 without a body on success; 4xx with {"code": "FAIL"} and it retries.
        if accepted:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": "notification refused"}, status=400)

    # Queries, closing and refunds

    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        sdk = client.sdk_client()
        status, data = client.api_call("query", partial(sdk.query, out_trade_no=payment.reference))
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            # Never created at WeChat Pay: nobody can pay it.
            return GatewayEvent(
                kind=EventKind.FAILED, reference=payment.reference, status="ORDER_NOT_EXIST", payload=data
            )
        if status != 200:
            raise GatewayError(client.error_text("query", status, data))
        if data.get("out_trade_no") != payment.reference:
            raise GatewayError("WeChat Pay query answered about another payment.")
        trade_state = data.get("trade_state", "")
        if trade_state in TRADE_PAID:
            try:
                return transaction_event(data, event_id="", payload={"query": True})
            except (KeyError, TypeError, ValueError) as exc:
                raise GatewayError(f"WeChat Pay query: malformed answer ({exc}).") from exc
        if trade_state in TRADE_FAILED:
            return GatewayEvent(
                kind=EventKind.FAILED,
                reference=payment.reference,
                status=trade_state,
                gateway_reference=data.get("transaction_id", ""),
                payload={"query": True, "resource": pick_fields(data, TRANSACTION_FIELDS)},
            )
        if trade_state not in TRADE_PENDING:
            logger.warning("WeChat Pay query: unknown trade_state %r for %s", trade_state, payment.reference)
        return None

    def checkout_close(self, *, payment: "Payment") -> None:
        sdk = client.sdk_client()
        status, data = client.api_call("close", partial(sdk.close, out_trade_no=payment.reference))
        if status not in (200, 204):
            raise GatewayError(client.error_text("close", status, data))

    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        sdk = client.sdk_client()
        call = partial(
            sdk.refund,
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
        status, data = client.api_call("refund", call)
        if status == 200:
            return refund_outcome(data)
        # A definite refusal (amount too large, trade not refundable...): the refund failed.
        return RefundOutcome(status="failed", message=client.error_text("refund", status, data), payload=data)

    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        sdk = client.sdk_client()
        status, data = client.api_call(
            "refund query", partial(sdk.query_refund, out_refund_no=refund.reference)
        )
        if status == 404 and data.get("code") == "RESOURCE_NOT_EXISTS":
            # The request never reached WeChat Pay: send it again with the same out_refund_no,
            # as WeChat Pay advises (it never refunds one out_refund_no twice).
            return self.refund_create(payment=payment, refund=refund)
        if status != 200:
            raise GatewayError(client.error_text("refund query", status, data))
        return refund_outcome(data)
