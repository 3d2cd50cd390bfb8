"""``AlipayStandin``: the stand-in's configuration, its test controls, and the notifications it sends."""

import functools
import itertools
import threading
from datetime import datetime
from urllib.error import URLError
from urllib.request import Request, urlopen

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.alipay.standin.api import AlipayApi
from tests.payments.alipay.standin.handler import AlipayHandler
from tests.payments.alipay.standin.protocol import (
    APP_ID,
    BEIJING,
    SELLER_ID,
    TIME_FORMAT,
    Notification,
    Trade,
    beijing_now,
    sign_content,
)
from tests.payments.standin import StandinServer
from tests.payments.standin_rsa import private_pem, public_pem, rsa_sign


@functools.cache
def _generated_key(name: str) -> rsa.RSAPrivateKey:
    """An RSA-2048 key per role, made once per test session (key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class AlipayStandin(AlipayApi, StandinServer):
    """The stand-in gateway; ``configure(settings)`` points the shop at it with fresh keys.

    Test controls: ``lose_next_notification`` (the Pay button's notification is
    never sent), ``unavailable`` (API calls answer 503), ``fail_next_refund`` (the
    next refund request is not processed and answers 503), ``lose_next_refund_answer``
    (the next refund is made but its answer is lost), ``auto_deliver`` (refund and
    close notifications are POSTed at once instead of kept in ``outbox``).
    """

    handler_class = AlipayHandler

    def __init__(self) -> None:
        super().__init__()
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

    # --- configuration ----------------------------------------------------------------------

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/gateway.do"

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

    def _signed(self, url: str, fields: dict[str, str], *, key: rsa.RSAPrivateKey | None) -> Notification:
        content = sign_content(fields, exclude=("sign", "sign_type"), skip_empty=False)
        return Notification(url=url, fields={**fields, "sign": rsa_sign(key or self.alipay_key, content)})

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
