"""What is stored of every gateway exchange: payloads without secrets, fingerprints, event rows."""

import hashlib
import json
import logging
from decimal import Decimal
from typing import Any

from payments.models import Payment, PaymentEvent, Refund
from payments.providers.base import GatewayEvent

logger = logging.getLogger(__name__)

# Keys whose values never reach the database, at any depth of a stored payload.
SECRET_KEYS = frozenset(
    {"sign", "signature", "client_secret", "secret", "api_key", "private_key", "apiv3_key", "ciphertext"}
)
PAYLOAD_MAX_CHARS = 20_000
# PaymentEvent.amount has 12 digits, two of them decimals.
AMOUNT_LIMIT = Decimal("1e10")


def payload_redact(value: Any) -> Any:
    """``value`` with every secret-named key removed, at any depth (for storing)."""
    if isinstance(value, dict):
        return {_text(k): payload_redact(v) for k, v in value.items() if str(k).lower() not in SECRET_KEYS}
    if isinstance(value, list | tuple):
        return [payload_redact(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _text(value)


def _text(value: Any) -> str:
    # PostgreSQL stores no NUL character, in text or in jsonb.
    return str(value).replace("\x00", "")


def _storable_amount(amount: Decimal | None) -> Decimal | None:
    """The amount if the column can hold it (a refused event may carry anything), else None."""
    if amount is None or not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
        return None
    return amount


def payload_stored(payload: Any) -> Any:
    redacted = payload_redact(payload or {})
    text = json.dumps(redacted, ensure_ascii=False, default=str)
    if len(text) > PAYLOAD_MAX_CHARS:
        return {"truncated": True, "size": len(text), "start": text[:PAYLOAD_MAX_CHARS]}
    return redacted


def event_fingerprint(event: GatewayEvent) -> str:
    """What a notification says, as a hash: the same event id must always say the same."""
    facts = [
        event.kind.value,
        event.reference,
        str(event.amount),
        event.currency.upper(),
        event.refund_reference,
    ]
    return hashlib.sha256("\x00".join(facts).encode()).hexdigest()


def event_store(
    *,
    provider: str,
    kind: str,
    verdict: str,
    reason: str = "",
    event: GatewayEvent | None = None,
    payment: Payment | None = None,
    refund: Refund | None = None,
    payload: Any = None,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        provider=provider,
        kind=kind,
        verdict=verdict,
        reason=_text(reason)[:255],
        event_id=(_text(event.event_id)[:128] or None) if event is not None else None,
        fingerprint=event_fingerprint(event) if event is not None else "",
        payment=payment,
        refund=refund,
        status=_text(event.status or event.kind.value)[:32] if event is not None else "",
        amount=_storable_amount(event.amount) if event is not None else None,
        currency=_text(event.currency).upper()[:3] if event is not None else "",
        payload=payload_stored(event.payload if event is not None else payload),
    )
