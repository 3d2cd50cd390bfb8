"""The Alipay stand-in over HTTP: ``/gateway.do`` (cashier and server APIs) and the cashier's buttons."""

import html
import json
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from tests.payments.alipay.standin.protocol import PAY_METHODS, beijing_now, error_answer, with_query
from tests.payments.standin import StandinHandler

if TYPE_CHECKING:
    from tests.payments.alipay.standin.gateway import AlipayStandin

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


class AlipayHandler(StandinHandler):
    standin: "AlipayStandin"

    def _params(self) -> dict[str, str]:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if self.command == "POST":
            params.update(parse_qsl(self.request_body().decode(), keep_blank_values=True))
        return params

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.respond(status, body, {"Content-Type": content_type, **(headers or {})})

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
        problem = self.standin.verified_request(params)
        if method in PAY_METHODS:
            self._cashier(params, problem)
            return
        if self.standin.unavailable:
            self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
            return
        if problem:
            answer = error_answer("40002", "Invalid Arguments", "isv.invalid-signature", problem)
        else:
            biz = json.loads(params.get("biz_content") or "{}")
            if method == "alipay.trade.refund" and self.standin.fail_next_refund:
                self.standin.fail_next_refund = False
                self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
                return
            answer = self.standin.api_answer(method, biz)
            if method == "alipay.trade.refund" and self.standin.lose_next_refund_answer:
                self.standin.lose_next_refund_answer = False
                self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable")
                return
        self._send(
            HTTPStatus.OK, self.standin.signed_answer(method, answer), "application/json; charset=utf-8"
        )

    def _cashier(self, params: dict[str, str], problem: str) -> None:
        if problem:
            self._page(HTTPStatus.BAD_REQUEST, f"Alipay: {problem}")
            return
        try:
            trade = self.standin.trade_open(params)
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
        trade = self.standin.trades.get(reference)
        if trade is None or trade.status != "WAIT_BUYER_PAY":
            self._page(HTTPStatus.BAD_REQUEST, "Alipay: no open trade")
            return
        if path == "/cashier/pay":
            notification = self.standin.pay(reference)
            if self.standin.lose_next_notification:
                self.standin.lose_next_notification = False
            else:
                self.standin.deliver(notification)
            self._redirect(with_query(trade.return_url, self.standin.return_params(trade)))
        else:
            self.standin.deliver(self.standin.cancel(reference))
            self._redirect(trade.return_url)
