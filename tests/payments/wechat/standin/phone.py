"""The payer's phone (plain HTTP): the page a scanned QR code or the H5 link opens, with Pay and Cancel.

``WeChatPayPhone`` is the part of ``WeChatPayStandIn`` that serves
``/scan/<token>`` and ``/h5/<token>``; paying there delivers the notification
to the shop (unless ``lose_next_notification``) and sends the browser back.
"""

from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlsplit

from tests.payments.wechat.standin.protocol import Notification, StandInError, Transaction

Answer = tuple[int, dict[str, str], bytes]


class WeChatPayPhone:
    """The payer's side of a WeChat Pay payment, as pages a browser can open."""

    # The stand-in's state and actions (WeChatPayStandIn sets them up).
    transactions: dict[str, Transaction]
    lose_next_notification: bool
    pay: Callable[..., Notification]
    deliver: Callable[[Notification], int]
    oauth: Callable[[str, str], Answer | None]

    def page(self, method: str, target: str, headers, body: bytes) -> Answer:
        if (answer := self.oauth(method, target)) is not None:
            return answer
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

    def _pay_page(self, kind: str, transaction: Transaction, redirect_url: str) -> Answer:
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

    def _pay_action(self, action: str, transaction: Transaction, redirect_url: str) -> Answer:
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
    def _html(status: int, title: str, content: str) -> Answer:
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{content}</body></html>"
        )
        return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
