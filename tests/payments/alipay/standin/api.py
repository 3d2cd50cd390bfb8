"""The Alipay stand-in's server APIs: the shop's signed requests, the trades, and the signed answers.

``AlipayApi`` is the part of ``AlipayStandin`` that checks the shop's RSA2
request signature, opens trades for the cashier, answers alipay.trade.query,
.close, .refund and .fastpay.refund.query, and signs each answer as Alipay does.
"""

import itertools
import json
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.alipay.standin.protocol import (
    BEIJING,
    CENTS,
    TIME_FORMAT,
    Notification,
    Trade,
    beijing_now,
    error_answer,
    sign_content,
    success_answer,
)
from tests.payments.standin_rsa import rsa_sign, rsa_verify


class AlipayApi:
    """The gateway's side of ``/gateway.do`` server calls, over the stand-in's trades."""

    # The stand-in's state and keys (AlipayStandin sets them up).
    app_id: str
    app_key: rsa.RSAPrivateKey
    alipay_key: rsa.RSAPrivateKey
    trades: dict[str, Trade]
    api_calls: list[tuple[str, dict]]
    _lock: threading.RLock
    _ids: itertools.count
    _notify: Callable[[Notification], None]
    refund_notification: Callable[[str, str], Notification]

    def verified_request(self, params: dict[str, str]) -> str:
        """Why the shop's request is not genuine, or "" (RSA2 over everything but sign, app id)."""
        if params.get("sign_type") != "RSA2" or not params.get("sign"):
            return "unsigned or not RSA2"
        if not rsa_verify(
            self.app_key.public_key(),
            sign_content(params, exclude=("sign",), skip_empty=True),
            params["sign"],
        ):
            return "invalid signature"
        if params.get("app_id") != self.app_id:
            return "unknown app_id"
        return ""

    def trade_open(self, params: dict[str, str]) -> Trade:
        """Create (or find again) the trade a signed page.pay / wap.pay request describes."""
        biz = json.loads(params["biz_content"])
        amount = Decimal(biz["total_amount"]).quantize(CENTS)
        expire = biz.get("time_expire")
        with self._lock:
            trade = self.trades.get(biz["out_trade_no"])
            if trade is None:
                trade = Trade(
                    out_trade_no=biz["out_trade_no"],
                    total_amount=amount,
                    subject=biz["subject"],
                    notify_url=params.get("notify_url", ""),
                    return_url=params.get("return_url", ""),
                    method=params["method"],
                    time_expire=datetime.strptime(expire, TIME_FORMAT).replace(tzinfo=BEIJING)
                    if expire
                    else None,
                    trade_no=f"{beijing_now():%Y%m%d}22001{next(self._ids):013d}",
                )
                self.trades[trade.out_trade_no] = trade
            elif trade.total_amount != amount:
                raise ValueError("out_trade_no reused with another amount")
            return trade

    def api_answer(self, method: str, biz: dict) -> dict:
        """The body of Alipay's answer to one server API call (before signing)."""
        self.api_calls.append((method, biz))
        handler = {
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
        }.get(method)
        if handler is None:
            return error_answer("40004", "Business Failed", "isv.invalid-method", "不存在的方法名")
        with self._lock:
            trade = self.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return error_answer("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
            return handler(trade, biz)

    def signed_answer(self, method: str, answer: dict) -> bytes:
        """Alipay's JSON: the answer under ``<method>_response`` and RSA2 over exactly its text."""
        response_type = method.replace(".", "_") + "_response"
        content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        signature = rsa_sign(self.alipay_key, content)
        return f'{{"{response_type}":{content},"sign":"{signature}"}}'.encode()

    def _query(self, trade: Trade, biz: dict) -> dict:
        answer = {
            **success_answer(),
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": f"{trade.total_amount:.2f}",
            "buyer_logon_id": "sha***@example.com",
        }
        if trade.paid_at is not None:
            answer["send_pay_date"] = trade.paid_at.strftime(TIME_FORMAT)
            answer["receipt_amount"] = f"{trade.total_amount:.2f}"
        return answer

    def _close(self, trade: Trade, biz: dict) -> dict:
        if trade.status != "WAIT_BUYER_PAY":
            return error_answer("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
        return {**success_answer(), "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}

    def _refund(self, trade: Trade, biz: dict) -> dict:
        amount = Decimal(biz["refund_amount"]).quantize(CENTS)
        request_no = biz.get("out_request_no") or trade.out_trade_no
        if request_no in trade.refunds:
            if trade.refunds[request_no] != amount:
                return error_answer(
                    "40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额不一致"
                )
            return self._refund_answer(trade, fund_change="N")
        if trade.status not in ("TRADE_SUCCESS",):
            return error_answer("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if amount <= 0 or trade.refunded + amount > trade.total_amount:
            return error_answer("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        trade.refunds[request_no] = amount
        if trade.refunded == trade.total_amount:
            trade.status = "TRADE_CLOSED"
        self._notify(self.refund_notification(trade.out_trade_no, request_no))
        return self._refund_answer(trade, fund_change="Y")

    def _refund_answer(self, trade: Trade, *, fund_change: str) -> dict:
        return {
            **success_answer(),
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "sha***@example.com",
            "fund_change": fund_change,
            "refund_fee": f"{trade.refunded:.2f}",
            "gmt_refund_pay": beijing_now().strftime(TIME_FORMAT),
        }

    def _refund_query(self, trade: Trade, biz: dict) -> dict:
        answer = {**success_answer(), "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
        request_no = biz.get("out_request_no", "")
        if request_no in trade.refunds:
            answer.update(
                {
                    "out_request_no": request_no,
                    "total_amount": f"{trade.total_amount:.2f}",
                    "refund_amount": f"{trade.refunds[request_no]:.2f}",
                    "refund_status": "REFUND_SUCCESS",
                }
            )
        return answer
