"""The WeChat Pay stand-in's API v3 (inside the TLS tunnel): checked as WeChat Pay checks it, signed answers.

``WeChatPayApi`` is the part of ``WeChatPayStandIn`` that verifies the
merchant's ``Authorization`` signature, creates and queries transactions,
closes them, makes and looks up refunds, and signs every answer.
"""

import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.standin_rsa import rsa_verify
from tests.payments.wechat.standin.protocol import (
    AUTH_FIELD,
    CHINA_TIME,
    MAX_CLOCK_SKEW,
    OUT_REFUND_NO,
    OUT_TRADE_NO,
    SIGNATURE_TYPE,
    RefundRecord,
    Transaction,
    china_now,
    signature_headers,
)

Answer = tuple[int, dict[str, str], bytes]
# The paths that create a transaction, and its trade_type.
TRADE_TYPES = {
    "/v3/pay/transactions/native": "NATIVE",
    "/v3/pay/transactions/h5": "MWEB",
    "/v3/pay/transactions/jsapi": "JSAPI",
}


class WeChatPayApi:
    """Answers to ``/v3/pay/transactions/...`` and ``/v3/refund/domestic/refunds`` over the state."""

    # The merchant, keys and state (WeChatPayStandIn sets them up).
    MCH_ID: str
    APP_ID: str
    MP_APP_ID: str
    issued_openids: set[str]
    CERT_SERIAL_NO: str
    PUBLIC_KEY_ID: str
    base_url: str
    merchant_key: rsa.RSAPrivateKey
    platform_key: rsa.RSAPrivateKey
    answer_signing_key: rsa.RSAPrivateKey | None
    transactions: dict[str, Transaction]
    refunds: dict[str, RefundRecord]
    calls: list[tuple[str, str, int]]
    refund_status: str
    _lock: threading.Lock
    transaction_resource: Callable[[Transaction], dict[str, Any]]

    def api(self, method: str, target: str, headers, body: bytes) -> Answer:
        path = urlsplit(target).path
        error = self._authorization_error(method, target, headers, body)
        if error:
            answer = self._answer(401, {"code": "SIGN_ERROR", "message": error})
        else:
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                data = None
            if not isinstance(data, dict):
                answer = self._answer(400, {"code": "PARAM_ERROR", "message": "body is not a JSON object"})
            else:
                with self._lock:
                    answer = self._route(method, path, urlsplit(target).query, data)
        self.calls.append((method, path, answer[0]))
        return answer

    def _authorization_error(self, method: str, path: str, headers, body: bytes) -> str:
        """Why the merchant's Authorization header is not valid for this request ("" when it is)."""
        scheme, _, params = headers.get("Authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            return "Authorization scheme is not WECHATPAY2-SHA256-RSA2048"
        values = dict(AUTH_FIELD.findall(params))
        if values.get("mchid") != self.MCH_ID or values.get("serial_no") != self.CERT_SERIAL_NO:
            return "unknown mchid or certificate serial_no"
        try:
            if abs(time.time() - int(values["timestamp"])) > MAX_CLOCK_SKEW:
                return "timestamp out of range"
            message = f"{method}\n{path}\n{values['timestamp']}\n{values['nonce_str']}\n{body.decode()}\n"
            genuine = rsa_verify(self.merchant_key.public_key(), message, values["signature"])
        except (KeyError, ValueError):
            genuine = False
        return "" if genuine else "signature does not verify"

    def _answer(self, status: int, data: dict[str, Any] | None = None) -> Answer:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        headers = signature_headers(
            body, key=self.answer_signing_key or self.platform_key, serial=self.PUBLIC_KEY_ID
        )
        headers["Request-ID"] = secrets.token_hex(16)
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return status, headers, body.encode()

    def _route(self, method: str, path: str, query: str, data: dict[str, Any]) -> Answer:
        parts = path.strip("/").split("/")
        if method == "POST" and path in TRADE_TYPES:
            return self._create(data, trade_type=TRADE_TYPES[path])
        if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) >= 5:
            out_trade_no = parts[4]
            if method == "GET" and len(parts) == 5:
                if parse_qs(query).get("mchid") != [self.MCH_ID]:
                    return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
                return self._query(out_trade_no)
            if method == "POST" and parts[5:] == ["close"]:
                return self._close(out_trade_no, data)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data)
        if method == "GET" and parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5:
            refund = self.refunds.get(parts[4])
            if refund is None:
                return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
            return self._answer(200, self._refund_data(refund))
        return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})

    def _create(self, data: dict[str, Any], *, trade_type: str) -> Answer:
        problem = self._create_problem(data, trade_type=trade_type)
        if problem:
            return self._answer(400, {"code": "PARAM_ERROR", "message": problem})
        out_trade_no = data["out_trade_no"]
        existing = self.transactions.get(out_trade_no)
        if existing is not None:
            if existing.trade_state in ("SUCCESS", "REFUND"):
                return self._answer(400, {"code": "ORDERPAID", "message": "该订单已支付"})
            if existing.trade_state == "CLOSED":
                return self._answer(400, {"code": "ORDERCLOSED", "message": "该订单已关闭"})
            if existing.request != data:
                return self._answer(400, {"code": "INVALID_REQUEST", "message": "商户订单号重复"})
            return self._answer(200, self._create_answer(existing))
        transaction = Transaction(
            out_trade_no=out_trade_no,
            token=secrets.token_urlsafe(12),
            trade_type=trade_type,
            description=data["description"],
            total=data["amount"]["total"],
            currency=data["amount"].get("currency", "CNY"),
            notify_url=data["notify_url"],
            time_expire=datetime.fromisoformat(data["time_expire"]) if data.get("time_expire") else None,
            request=data,
        )
        self.transactions[out_trade_no] = transaction
        return self._answer(200, self._create_answer(transaction))

    def _create_problem(self, data: dict[str, Any], *, trade_type: str) -> str:
        amount = data.get("amount")
        # JSAPI is paid in the official account bound to the merchant, for one of its openids.
        app_id = self.MP_APP_ID if trade_type == "JSAPI" else self.APP_ID
        if data.get("appid") != app_id or data.get("mchid") != self.MCH_ID:
            return "appid and mchid must be the merchant's"
        if trade_type == "JSAPI" and (data.get("payer") or {}).get("openid") not in self.issued_openids:
            return "payer.openid is not an openid of this official account"
        if not 1 <= len(data.get("description") or "") <= 127:
            return "description"
        if not OUT_TRADE_NO.match(str(data.get("out_trade_no", ""))):
            return "out_trade_no"
        if not str(data.get("notify_url", "")).startswith(("https://", "http://")):
            return "notify_url"
        if not isinstance(amount, dict) or not isinstance(amount.get("total"), int) or amount["total"] <= 0:
            return "amount.total must be a positive integer in fen"
        if amount.get("currency", "CNY") != "CNY":
            return "amount.currency"
        if data.get("time_expire"):
            try:
                if datetime.fromisoformat(data["time_expire"]) <= datetime.now(CHINA_TIME):
                    return "time_expire is in the past"
            except ValueError:
                return "time_expire is not RFC 3339"
        scene = data.get("scene_info") or {}
        if trade_type == "MWEB" and not (
            scene.get("payer_client_ip") and (scene.get("h5_info") or {}).get("type")
        ):
            return "scene_info.payer_client_ip and scene_info.h5_info.type are required for H5"
        return ""

    def _create_answer(self, transaction: Transaction) -> dict[str, str]:
        if transaction.trade_type == "JSAPI":
            return {"prepay_id": "wx" + transaction.token}
        if transaction.trade_type == "MWEB":
            prepay_id = "wx" + transaction.token
            return {
                "h5_url": f"{self.base_url}/h5/{transaction.token}?prepay_id={prepay_id}&package=2150917749"
            }
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={transaction.token}"}

    def _query(self, out_trade_no: str) -> Answer:
        transaction = self.transactions.get(out_trade_no)
        if transaction is None:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self._answer(200, self.transaction_resource(transaction))

    def _close(self, out_trade_no: str, data: dict[str, Any]) -> Answer:
        transaction = self.transactions.get(out_trade_no)
        if data.get("mchid") != self.MCH_ID:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
        if transaction is None:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        if transaction.refundable:
            return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
        transaction.trade_state = "CLOSED"
        return self._answer(204)

    def _refund(self, data: dict[str, Any]) -> Answer:
        amount = data.get("amount") or {}
        out_refund_no = str(data.get("out_refund_no", ""))
        if not OUT_REFUND_NO.match(out_refund_no) or not isinstance(amount.get("refund"), int):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "out_refund_no and amount.refund"})
        if out_refund_no in self.refunds:
            return self._answer(200, self._refund_data(self.refunds[out_refund_no]))
        transaction = self.transactions.get(str(data.get("out_trade_no", "")))
        if transaction is None:
            return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        if not transaction.refundable:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单未支付"})
        if amount.get("total") != transaction.total or amount.get("currency") != "CNY":
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单金额或币种不一致"})
        refunded = sum(
            refund.refund
            for refund in self.refunds.values()
            if refund.out_trade_no == transaction.out_trade_no and refund.status in ("SUCCESS", "PROCESSING")
        )
        if not 0 < amount["refund"] <= transaction.total - refunded:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"})
        refund = RefundRecord(
            out_refund_no=out_refund_no,
            refund_id="50" + "".join(secrets.choice("0123456789") for _ in range(27)),
            out_trade_no=transaction.out_trade_no,
            transaction_id=transaction.transaction_id,
            refund=amount["refund"],
            total=transaction.total,
            notify_url=str(data.get("notify_url", "")),
            status=self.refund_status,
            reason=str(data.get("reason", "")),
        )
        if refund.status == "SUCCESS":
            refund.success_time = china_now()
        self.refunds[out_refund_no] = refund
        transaction.trade_state = "REFUND"
        return self._answer(200, self._refund_data(refund))

    def _refund_data(self, refund: RefundRecord) -> dict[str, Any]:
        data: dict[str, Any] = {
            "refund_id": refund.refund_id,
            "out_refund_no": refund.out_refund_no,
            "transaction_id": refund.transaction_id,
            "out_trade_no": refund.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": refund.create_time,
            "status": refund.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": refund.total,
                "refund": refund.refund,
                "payer_total": refund.total,
                "payer_refund": refund.refund,
                "settlement_refund": refund.refund,
                "settlement_total": refund.total,
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        if refund.success_time:
            data["success_time"] = refund.success_time
        return data
