"""The API resources of the Stripe stand-in: Checkout Sessions and refunds, checked as Stripe checks them.

``StripeApi`` is the part of ``StripeStandin`` that answers the shop's
authenticated API calls; the handler has already checked the key and handles
idempotency, and every answer is made under the stand-in's lock.
"""

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.payments.stripe.standin.protocol import (
    CURRENCIES,
    LOCALES,
    SESSION_MAX_SECONDS,
    SESSION_MIN_SECONDS,
    StripeApiError,
    integer_param,
    new_id,
    public_session,
)


class StripeApi:
    """Answers to ``/v1/checkout/sessions`` and ``/v1/refunds``, over the stand-in's state."""

    # The stand-in's state (StripeStandin sets it up).
    base_url: str
    sessions: dict[str, dict[str, Any]]
    refunds: dict[str, dict[str, Any]]
    payment_intents: dict[str, dict[str, Any]]
    refund_status: str
    lock: threading.RLock
    event: Callable[..., dict[str, Any]]

    def api(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer one authenticated API call (raises StripeApiError for error answers)."""
        routes = [
            ("POST", r"/v1/checkout/sessions", self._session_create),
            ("GET", r"/v1/checkout/sessions", self._session_list),
            ("GET", r"/v1/checkout/sessions/(cs_[\w]+)", self._session_retrieve),
            ("POST", r"/v1/checkout/sessions/(cs_[\w]+)/expire", self._session_expire),
            ("POST", r"/v1/refunds", self._refund_create),
            ("GET", r"/v1/refunds", self._refund_list),
            ("GET", r"/v1/refunds/(re_[\w]+)", self._refund_retrieve),
        ]
        for route_method, pattern, view in routes:
            if method == route_method and (match := re.fullmatch(pattern, path)):
                with self.lock:
                    return view(params, *match.groups())
        raise StripeApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _session_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise StripeApiError(400, "Only mode=payment is supported here.", param="mode")
        for name in ("success_url", "cancel_url"):
            if not str(params.get(name, "")).startswith(("http://", "https://")):
                raise StripeApiError(400, f"Not a valid URL: {name}", param=name)
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeApiError(400, "Missing required param: line_items.", param="line_items")
        currencies, total = set(), 0
        for item in items:
            price = item.get("price_data") or {}
            if price.get("currency") not in CURRENCIES:
                raise StripeApiError(400, f"Invalid currency: {price.get('currency')}", param="currency")
            if not (price.get("product_data") or {}).get("name"):
                raise StripeApiError(400, "Missing required param: product_data[name].", param="product_data")
            currencies.add(price["currency"])
            total += integer_param(price, "unit_amount", minimum=1) * integer_param(
                item, "quantity", minimum=1
            )
        if len(currencies) != 1:
            raise StripeApiError(400, "All line items must share one currency.", param="line_items")
        now = int(time.time())
        expires_at = (
            integer_param(params, "expires_at") if "expires_at" in params else now + SESSION_MAX_SECONDS
        )
        if not now + SESSION_MIN_SECONDS <= expires_at <= now + SESSION_MAX_SECONDS:
            raise StripeApiError(
                400, "The `expires_at` timestamp must be 30 minutes to 24 hours from now.", param="expires_at"
            )
        if params.get("locale", "auto") not in LOCALES:
            raise StripeApiError(400, f"Invalid locale: {params.get('locale')}", param="locale")
        session_id = new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currencies.pop(),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": params.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"{self.base_url}/pay/{session_id}",
            "product_name": items[0]["price_data"]["product_data"]["name"],
            "payment_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata") or {},
        }
        self.sessions[session_id] = session
        return public_session(session)

    def _session_retrieve(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        if session_id not in self.sessions:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'", code="resource_missing")
        return public_session(self.sessions[session_id])

    def _session_list(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [
            public_session(s)
            for s in self.sessions.values()
            if "payment_intent" not in params or s["payment_intent"] == params["payment_intent"]
        ]
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/checkout/sessions"}

    def _session_expire(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'", code="resource_missing")
        if session["status"] != "open":
            raise StripeApiError(400, "Only Checkout Sessions with a status of `open` can be expired.")
        session["status"] = "expired"
        self.event("checkout.session.expired", public_session(session))
        return public_session(session)

    def _refund_create(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if intent is None:
            raise StripeApiError(
                404, f"No such payment_intent: '{params.get('payment_intent')}'", code="resource_missing"
            )
        if intent["status"] != "succeeded":
            raise StripeApiError(400, "This PaymentIntent has no successful charge to refund.")
        remaining = intent["amount"] - intent["amount_refunded"]
        amount = integer_param(params, "amount", minimum=1) if "amount" in params else remaining
        if remaining == 0:
            raise StripeApiError(400, "Charge has already been refunded.", code="charge_already_refunded")
        if amount > remaining:
            raise StripeApiError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
            )
        intent["amount_refunded"] += amount
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": intent["charge"],
            "created": int(time.time()),
            "currency": intent["currency"],
            "failure_reason": None,
            "metadata": params.get("metadata") or {},
            "payment_intent": intent["id"],
            "reason": None,
            "status": self.refund_status,
        }
        self.refunds[refund["id"]] = refund
        self.event("refund.created", refund)
        return dict(refund)

    def _refund_retrieve(self, params: dict[str, Any], refund_id: str) -> dict[str, Any]:
        if refund_id not in self.refunds:
            raise StripeApiError(404, f"No such refund: '{refund_id}'", code="resource_missing")
        return dict(self.refunds[refund_id])

    def _refund_list(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [
            dict(r)
            for r in self.refunds.values()
            if "payment_intent" not in params or r["payment_intent"] == params["payment_intent"]
        ]
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/refunds"}
