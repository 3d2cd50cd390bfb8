"""The stand-in's official account: WeChat's silent OAuth and what the page's WeixinJSBridge does.

``GET /connect/oauth2/authorize`` is WeChat's authorisation page for ``snsapi_base``:
it asks nothing and sends the browser straight back to ``redirect_uri`` with a new
code and the ``state`` unchanged. ``GET /sns/oauth2/access_token`` exchanges a code
once for the shopper's openid (WeChat answers ``errcode`` 40163 for a used code).
``bridge_pay`` is what ``getBrandWCPayRequest`` does: it checks the page's paySign
with the merchant's public key, then pays the prepay order and notifies the shop.
"""

import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.standin_rsa import rsa_verify
from tests.payments.wechat.standin.protocol import Notification, StandInError, Transaction

Answer = tuple[int, dict[str, str], bytes]


class WeChatOAuth:
    """Authorisation codes and openids of the stand-in's official account (WeChatPayStandIn sets it up)."""

    MP_APP_ID: str
    MP_APP_SECRET: str
    merchant_key: rsa.RSAPrivateKey
    transactions: dict[str, Transaction]
    # code -> openid, for codes not yet exchanged; used codes move to used_codes.
    codes: dict[str, str]
    used_codes: set[str]
    # The openids handed out by the exchange: the only payers a JSAPI prepay order accepts.
    issued_openids: set[str]
    # The shopper's openid for the next authorisations.
    openid: str
    # When set, the exchange answers without an openid (as with a broken account set-up).
    exchange_without_openid: bool
    held_notifications: list[Notification]
    pay: Callable[..., Notification]
    deliver: Callable[[Notification], int]

    def oauth(self, method: str, target: str) -> Answer | None:
        """The answer for an OAuth path, or None when ``target`` is not one."""
        parts = urlsplit(target)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if method == "GET" and parts.path == "/connect/oauth2/authorize":
            return self._authorize(query)
        if method == "GET" and parts.path == "/sns/oauth2/access_token":
            return self._access_token(query)
        return None

    def _authorize(self, query: dict[str, str]) -> Answer:
        expected = {"appid": self.MP_APP_ID, "response_type": "code", "scope": "snsapi_base"}
        if any(query.get(name) != value for name, value in expected.items()):
            return self._json(200, {"errcode": 10003, "errmsg": "redirect_uri or appid or scope invalid"})
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
        if not redirect_uri.startswith(("http://", "https://")) or len(state) > 128 or not state.isalnum():
            return self._json(200, {"errcode": 10003, "errmsg": "redirect_uri or state invalid"})
        code = secrets.token_hex(16)
        self.codes[code] = self.openid
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{separator}{urlencode({'code': code, 'state': state})}"}, b""

    def code_for(self, openid: str | None = None) -> str:
        """A fresh authorisation code, as WeChat would hand the browser (for tests without a browser)."""
        code = secrets.token_hex(16)
        self.codes[code] = openid or self.openid
        return code

    def _access_token(self, query: dict[str, str]) -> Answer:
        if query.get("appid") != self.MP_APP_ID or query.get("secret") != self.MP_APP_SECRET:
            return self._json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return self._json(200, {"errcode": 40002, "errmsg": "invalid grant_type"})
        code = query.get("code", "")
        if code in self.used_codes:
            return self._json(200, {"errcode": 40163, "errmsg": "code been used"})
        openid = self.codes.pop(code, None)
        if openid is None:
            return self._json(200, {"errcode": 40029, "errmsg": "invalid code"})
        self.used_codes.add(code)
        self.issued_openids.add(openid)
        answer: dict[str, Any] = {
            "access_token": secrets.token_urlsafe(24),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(24),
            "openid": openid,
            "scope": "snsapi_base",
        }
        if self.exchange_without_openid:
            del answer["openid"]
        return self._json(200, answer)

    def pay_sign_valid(self, params: dict[str, str]) -> bool:
        """Whether the page's paySign is the merchant's signature over appId, timeStamp, nonceStr, package."""
        message = "".join(f"{params[name]}\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
        return params.get("signType") == "RSA" and rsa_verify(
            self.merchant_key.public_key(), message, params.get("paySign", "")
        )

    def bridge_pay(self, params: dict[str, str], *, notify: bool = True) -> str:
        """What WeixinJSBridge's getBrandWCPayRequest does: the err_msg it hands the page's callback.

        Checks the appId and paySign, pays the prepay order and sends the notification to the
        shop (with ``notify=False`` keeps it in ``held_notifications`` for the test to send later).
        """
        if params.get("appId") != self.MP_APP_ID or not self.pay_sign_valid(params):
            return "get_brand_wcpay_request:fail"
        prepay_id = params.get("package", "").removeprefix("prepay_id=")
        transaction = next(
            (item for item in self.transactions.values() if "wx" + item.token == prepay_id), None
        )
        if transaction is None:
            return "get_brand_wcpay_request:fail"
        try:
            notification = self.pay(transaction.out_trade_no)
        except StandInError:
            return "get_brand_wcpay_request:fail"
        if notify:
            self.deliver(notification)
        else:
            self.held_notifications.append(notification)
        return "get_brand_wcpay_request:ok"

    @staticmethod
    def _json(status: int, data: dict[str, Any]) -> Answer:
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()
