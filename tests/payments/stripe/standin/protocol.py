"""Stripe's shapes as the stand-in speaks them: error answers, form encoding, ids and notifications."""

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

API_VERSION = "2025-09-30.clover"
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "bif", "djf", "gnf", "kmf", "mga", "pyg", "rwf", "ugx", "xaf"}
CURRENCIES = ZERO_DECIMAL | {"cny", "usd", "eur", "gbp", "hkd", "sgd", "aud", "cad", "nzd", "chf", "mop"}
LOCALES = {"auto", "en", "zh", "zh-HK", "zh-TW", "ja", "ko", "fr", "de", "es"}
SESSION_MIN_SECONDS = 30 * 60
# What the stand-in keeps on a session for its page and PaymentIntent, not part of Stripe's answer.
PRIVATE_SESSION_KEYS = {"product_name", "payment_intent_metadata"}
SESSION_MAX_SECONDS = 24 * 60 * 60


class StripeApiError(Exception):
    """An error answer of the API, as Stripe shapes it."""

    def __init__(self, status: int, message: str, *, kind: str = "invalid_request_error", **extra) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message, **extra}}


@dataclass(frozen=True)
class Notification:
    """A signed webhook delivery: the raw body and the headers Stripe sends with it."""

    body: bytes
    headers: dict[str, str]
    event: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return self.headers["Stripe-Signature"]


def new_id(prefix: str) -> str:
    """A fresh Stripe-style id (``cs_test_…``, ``pi_…``, ``re_…``)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def form_decode(raw: str) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=1``) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def integer_param(params: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    """The integer parameter ``name``; an ``invalid_request_error`` when it is missing or too small."""
    value = params.get(name)
    if not isinstance(value, str) or not value.isdigit() or int(value) < minimum:
        raise StripeApiError(400, f"Invalid integer: {value}", param=name)
    return int(value)


def public_session(session: dict[str, Any]) -> dict[str, Any]:
    """The session as the API shows it (without what the stand-in keeps for itself)."""
    return {key: value for key, value in session.items() if key not in PRIVATE_SESSION_KEYS}
