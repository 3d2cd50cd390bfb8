"""A small gateway that lives in the test process: the stand-in for the core's rules.

It is a real GatewayProvider (signed JSON notifications with a timestamp, a
payment page URL, queries, refunds); "the gateway's side" is the ``FakeBank``
object the tests drive, which plays the remote system: it records which
payments were paid, answers queries and refunds, and can be taken down.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest, HttpResponse

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

SECRET = b"fake-gateway-signing-key"
TOLERANCE_SECONDS = 300
PAGE_ORIGIN = "https://pay.fakebank.test"
NOTIFY_URL = "/payments/notify/fakepay/"


@dataclass
class FakeBank:
    """The remote side: what shoppers paid, refunds made, calls received; ``down`` refuses every call."""

    paid: dict[str, Decimal] = field(default_factory=dict)
    refunds: dict[str, Decimal] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    down: bool = False
    refunds_pending: bool = False

    def call(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise GatewayError("fake bank is down")

    def reset(self) -> None:
        self.paid.clear()
        self.refunds.clear()
        self.calls.clear()
        self.down = self.refunds_pending = False


BANK = FakeBank()


def sign(body: bytes, timestamp: int) -> str:
    return hmac.new(SECRET, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def notification(
    *,
    reference: str,
    amount: str,
    kind: str = "paid",
    event_id: str = "",
    currency: str = "CNY",
    refund_reference: str = "",
    timestamp: int | None = None,
    signature: str | None = None,
) -> dict:
    """A notification as the fake gateway sends it: kwargs for the Django test client's post()."""
    body = json.dumps(
        {
            "id": event_id or f"evt-{reference}-{kind}",
            "kind": kind,
            "reference": reference,
            "amount": amount,
            "currency": currency,
            "refund_reference": refund_reference,
        }
    ).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "data": body,
        "content_type": "application/json",
        "headers": {
            "X-Fake-Timestamp": str(timestamp),
            "X-Fake-Signature": signature or sign(body, timestamp),
        },
    }


class FakeGateway(GatewayProvider):
    code = "fakepay"
    name = "FakePay"
    currencies = frozenset({"CNY"})
    channels = ("page", "qr")

    def is_configured(self) -> bool:
        return True

    def form_action_origins(self) -> list[str]:
        return [PAGE_ORIGIN]

    def checkout_create(
        self, *, payment, urls: GatewayUrls, client_ip: str, payer_id: str = ""
    ) -> GatewayCheckout:
        BANK.call("checkout")
        if payment.channel == "qr":
            return GatewayCheckout(
                qr_code=f"fakepay://pay/{payment.reference}", payload={"notify": urls.notify_url}
            )
        return GatewayCheckout(
            redirect_url=f"{PAGE_ORIGIN}/pay/{payment.reference}",
            gateway_reference=f"fp_{payment.reference}",
            payload={"return_url": urls.return_url, "notify_url": urls.notify_url, "sign": "secret"},
        )

    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        timestamp = request.headers.get("X-Fake-Timestamp", "")
        signature = request.headers.get("X-Fake-Signature", "")
        if not timestamp.isdigit() or not hmac.compare_digest(sign(request.body, int(timestamp)), signature):
            raise NotificationRejected("bad signature")
        if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
            raise NotificationRejected("stale notification")
        data = json.loads(request.body)
        return [
            GatewayEvent(
                kind=EventKind(data["kind"]),
                reference=data["reference"],
                event_id=data["id"],
                amount=Decimal(data["amount"]),
                currency=data["currency"],
                refund_reference=data["refund_reference"],
                payload=data,
            )
        ]

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        return HttpResponse("OK" if accepted else "NO", status=200 if accepted else 400)

    def payment_query(self, *, payment) -> GatewayEvent | None:
        BANK.call("query")
        if payment.reference not in BANK.paid:
            return None
        return GatewayEvent(
            kind=EventKind.PAID,
            reference=payment.reference,
            amount=BANK.paid[payment.reference],
            currency="CNY",
        )

    def checkout_close(self, *, payment) -> None:
        BANK.call("close")

    def refund_create(self, *, payment, refund) -> RefundOutcome:
        BANK.call("refund")
        BANK.refunds[refund.reference] = refund.amount
        status = "pending" if BANK.refunds_pending else "succeeded"
        return RefundOutcome(status=status, gateway_reference=f"fr_{refund.reference}")

    def refund_query(self, *, payment, refund) -> RefundOutcome:
        BANK.call("refund_query")
        known = refund.reference in BANK.refunds
        return RefundOutcome(
            status="succeeded" if known else "failed", message="" if known else "unknown refund"
        )
