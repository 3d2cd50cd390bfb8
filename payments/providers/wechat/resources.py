"""WeChat Pay's transactions and refunds in our terms: amounts in fen, events and refund outcomes.

A notification's decrypted resource and a query's answer describe a transaction
or a refund the same way; this module turns them into our GatewayEvent and
RefundOutcome, keeping only the fields worth storing.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from payments.providers.base import CENTS, EventKind, GatewayError, GatewayEvent, RefundOutcome, pick_fields

REFUND_STATUS = {"SUCCESS": "succeeded", "PROCESSING": "pending", "CLOSED": "failed", "ABNORMAL": "failed"}
REFUND_EVENT_KIND = {
    "succeeded": EventKind.REFUND_SUCCEEDED,
    "failed": EventKind.REFUND_FAILED,
    "pending": EventKind.REFUND_PENDING,
}
# What is kept of a decrypted transaction or refund resource (no payer identity, no secrets).
TRANSACTION_FIELDS = (
    "out_trade_no",
    "transaction_id",
    "trade_type",
    "trade_state",
    "trade_state_desc",
    "bank_type",
    "success_time",
    "amount",
)
REFUND_FIELDS = (
    "out_trade_no",
    "transaction_id",
    "out_refund_no",
    "refund_id",
    "refund_status",
    "status",
    "success_time",
    "create_time",
    "channel",
    "amount",
)


def fen_from_amount(amount: Decimal) -> int:
    """Yuan as a Decimal with at most two places to integer fen, exactly (never through float).

    Raises GatewayError for an amount that is not a positive whole number of fen.
    """
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENTS):
        raise GatewayError(f"WeChat Pay takes positive amounts in whole fen, not {amount}.")
    return int(amount.scaleb(2))


def amount_from_fen(fen: Any) -> Decimal:
    """Integer fen from WeChat Pay to yuan as a Decimal with two places; ValueError for anything else."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError(f"not an amount in fen: {fen!r}")
    return Decimal(fen).scaleb(-2).quantize(CENTS)


def transaction_event(
    transaction: Mapping[str, Any], *, event_id: str, payload: Mapping[str, Any]
) -> GatewayEvent:
    """A PAID event from a transaction (a notification's resource or a query's answer)."""
    amount = transaction["amount"]
    return GatewayEvent(
        kind=EventKind.PAID,
        reference=transaction["out_trade_no"],
        event_id=event_id,
        amount=amount_from_fen(amount["total"]),
        currency=str(amount.get("currency", "CNY")).upper(),
        gateway_reference=transaction["transaction_id"],
        status=transaction["trade_state"],
        payload={**payload, "resource": pick_fields(transaction, TRANSACTION_FIELDS)},
    )


def refund_event(refund: Mapping[str, Any], *, event_id: str, payload: Mapping[str, Any]) -> GatewayEvent:
    """The event a refund notification's resource reports (succeeded, failed or still pending)."""
    status = REFUND_STATUS[refund["refund_status"]]
    return GatewayEvent(
        kind=REFUND_EVENT_KIND[status],
        reference=refund["out_trade_no"],
        event_id=event_id,
        amount=amount_from_fen(refund["amount"]["refund"]),
        # Refund notifications carry no currency; WeChat Pay refunds in the payment's (CNY).
        currency="CNY",
        gateway_reference=refund["refund_id"],
        refund_reference=refund["out_refund_no"],
        status=refund["refund_status"],
        payload={**payload, "resource": pick_fields(refund, REFUND_FIELDS)},
    )


def refund_outcome(data: Mapping[str, Any]) -> RefundOutcome:
    """A refund as the refund API answers it, as our RefundOutcome; GatewayError for an unknown status."""
    refund_status = data.get("status", "")
    if refund_status not in REFUND_STATUS:
        raise GatewayError(f"WeChat Pay refund: unknown status {refund_status!r}.")
    return RefundOutcome(
        status=REFUND_STATUS[refund_status],
        gateway_reference=data.get("refund_id", ""),
        message="" if refund_status in ("SUCCESS", "PROCESSING") else refund_status,
        payload=pick_fields(data, REFUND_FIELDS),
    )
