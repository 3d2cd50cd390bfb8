"""Stripe's objects in our terms: amounts in minor units, and what a session or a refund states.

Both the API answers (queries, refunds) and the webhooks carry the same
Checkout Session and Refund objects; this module turns them into our
GatewayEvent and RefundOutcome, keeping only the fields worth storing.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from payments.providers.base import CENTS, EventKind, GatewayError, GatewayEvent, RefundOutcome, pick_fields

# Stripe counts these currencies in whole units (no cents): 1000 JPY is sent as 1000, not 100000.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}  # the CFA and CFP francs
)
REFUND_STATUSES = {
    "succeeded": "succeeded",
    "pending": "pending",
    "requires_action": "pending",
    "failed": "failed",
    "canceled": "failed",
}
# Fields of Stripe objects worth keeping on the order (no client secrets, URLs or personal data).
SESSION_FIELDS = (
    "id",
    "object",
    "status",
    "payment_status",
    "amount_total",
    "currency",
    "client_reference_id",
    "payment_intent",
    "metadata",
    "created",
    "expires_at",
    "livemode",
)
REFUND_FIELDS = (
    "id",
    "object",
    "status",
    "amount",
    "currency",
    "payment_intent",
    "charge",
    "metadata",
    "failure_reason",
    "created",
)


def amount_to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in Stripe's smallest unit (cents, or whole yen); refuses what cannot be sent exactly."""
    minor = amount if currency.upper() in ZERO_DECIMAL_CURRENCIES else amount * 100
    if minor != minor.to_integral_value():
        raise GatewayError(f"{amount} {currency} cannot be charged exactly in Stripe's smallest unit")
    return int(minor)


def amount_from_minor(minor: int, currency: str) -> Decimal:
    """An amount in Stripe's smallest unit as a Decimal of major units with two places (exact)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise ValueError(f"not an amount in minor units: {minor!r}")
    amount = Decimal(minor) if currency.upper() in ZERO_DECIMAL_CURRENCIES else Decimal(minor).scaleb(-2)
    return amount.quantize(CENTS)


def id_of(value: Any) -> str:
    """The id of a reference that Stripe may send as an id or as an expanded object."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def session_event(*, kind: EventKind, session: Mapping[str, Any], event_id: str) -> GatewayEvent:
    """A PAID or FAILED event from a Checkout Session (a webhook's object or a query's answer).

    Raises ValueError, KeyError or TypeError for a session without our reference or amount.
    """
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "payment_reference", ""
    )
    if not reference:
        raise ValueError("Checkout Session without client_reference_id")
    currency = str(session["currency"]).upper()
    payment_intent = id_of(session.get("payment_intent"))
    return GatewayEvent(
        kind=kind,
        reference=reference,
        event_id=event_id,
        amount=amount_from_minor(session["amount_total"], currency),
        currency=currency,
        gateway_reference=payment_intent if kind == EventKind.PAID else str(session["id"]),
        status=str(session.get("payment_status") or session.get("status") or ""),
        payload={"event_id": event_id, **pick_fields(session, SESSION_FIELDS)},
    )


def refund_events(*, refund: Mapping[str, Any], event_id: str) -> list[GatewayEvent]:
    """The final outcome a refund webhook reports; [] for pending refunds and refunds not made by us."""
    metadata = refund.get("metadata") or {}
    refund_reference = metadata.get("refund_reference", "")
    status = REFUND_STATUSES.get(str(refund.get("status")), "pending")
    # Refunds made on Stripe's dashboard carry none of our references; pending ones change nothing.
    if not refund_reference or status == "pending":
        return []
    currency = str(refund["currency"]).upper()
    return [
        GatewayEvent(
            kind=EventKind.REFUND_SUCCEEDED if status == "succeeded" else EventKind.REFUND_FAILED,
            reference=metadata.get("payment_reference", ""),
            event_id=event_id,
            amount=amount_from_minor(refund["amount"], currency),
            currency=currency,
            gateway_reference=str(refund["id"]),
            refund_reference=refund_reference,
            status=str(refund.get("status")),
            payload={"event_id": event_id, **pick_fields(refund, REFUND_FIELDS)},
        )
    ]


def refund_outcome(values: Mapping[str, Any]) -> RefundOutcome:
    """A Refund object as Stripe answers it, as our RefundOutcome."""
    status = REFUND_STATUSES.get(str(values.get("status")), "pending")
    return RefundOutcome(
        status=status,
        gateway_reference=str(values.get("id") or ""),
        message=str(values.get("failure_reason") or ""),
        payload=pick_fields(values, REFUND_FIELDS),
    )
