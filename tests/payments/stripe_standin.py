"""A local stand-in for Stripe: the API the shop calls, a payment page, and signed webhooks.

It runs on 127.0.0.1 in a thread (stdlib ``ThreadingHTTPServer``) and answers the
real ``stripe`` library like api.stripe.com does for the calls the shop makes:

- ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/<id>``,
  ``GET /v1/checkout/sessions?payment_intent=...``, ``POST /v1/checkout/sessions/<id>/expire``
- ``POST /v1/refunds``, ``GET /v1/refunds/<id>``, ``GET /v1/refunds?payment_intent=...``

Every API call must carry ``Authorization: Bearer <secret key>``; requests with an
``Idempotency-Key`` are answered once and replayed after (a reused key with other
parameters is an ``idempotency_error``). ``GET /pay/<session id>`` is the hosted
payment page, with "Pay" and "Cancel" buttons (plain forms). Webhook events are
signed as Stripe signs them: ``Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of
"<t>.<body>" with the endpoint secret>``.

Tests drive it from Python too: ``pay(reference)`` returns the signed
``checkout.session.completed`` notification to POST with the Django test client,
``deliver(notification)`` POSTs one to ``notify_url`` over HTTP, and
``lose_next_notification`` drops the next delivery from the payment page.
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.helpers import free_port

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


def _new_id(prefix: str) -> str:
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


def _integer(params: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = params.get(name)
    if not isinstance(value, str) or not value.isdigit() or int(value) < minimum:
        raise StripeApiError(400, f"Invalid integer: {value}", param=name)
    return int(value)


class StripeStandin:
    """The stand-in server and its state; ``with StripeStandin() as stripe: stripe.use_in(settings)``."""

    def __init__(self) -> None:
        self.secret_key = "sk_test_" + secrets.token_hex(16)
        self.webhook_secret = "whsec_" + secrets.token_hex(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # The webhook endpoint, as registered in Stripe's dashboard.
        self.notify_url = ""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[tuple[str, int]] = []
        self.requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.idempotent: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.lose_next_notification = False
        # Seconds the payment page waits before delivering the webhook (the shopper may be back first).
        self.notification_delay = 0.0
        # What a new refund says: "succeeded" (cards, at once) or "pending" (settled later).
        self.refund_status = "succeeded"
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._delivery_threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "StripeStandin":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for thread in self._delivery_threads:
            thread.join(timeout=10)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "StripeStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def use_in(self, settings) -> None:
        """Configure the shop (pytest-django ``settings``) to use this stand-in as Stripe."""
        settings.STRIPE_SECRET_KEY = self.secret_key
        settings.STRIPE_WEBHOOK_SECRET = self.webhook_secret
        settings.STRIPE_API_BASE = self.base_url
        settings.STRIPE_CHECKOUT_ORIGIN = self.base_url

    # -- state a test reads ---------------------------------------------------------------------

    def session_for(self, reference: str) -> dict[str, Any]:
        """The Checkout Session made for our payment ``reference`` (the only one, or the last)."""
        with self.lock:
            found = [s for s in self.sessions.values() if s["client_reference_id"] == reference]
        if not found:
            raise LookupError(f"no Checkout Session for {reference}")
        return found[-1]

    def session_snapshot(self, reference: str) -> dict[str, Any]:
        """A copy of the session of ``reference`` as the API shows it (to build events from)."""
        with self.lock:
            return json.loads(json.dumps(self._public(self.session_for(reference))))

    def api_calls(self, method: str, path_prefix: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
        """(parameters, headers) of every API call with this method to paths starting with the prefix."""
        with self.lock:
            return [(p, h) for m, path, p, h in self.requests if m == method and path.startswith(path_prefix)]

    # -- what happens at Stripe -----------------------------------------------------------------

    def pay(self, reference: str) -> Notification:
        """The shopper pays the session of ``reference`` by card: checkout.session.completed."""
        with self.lock:
            session = self._complete(self.session_for(reference)["id"], paid=True)
            return self.notification(self.event("checkout.session.completed", self._public(session)))

    def pay_later(self, reference: str) -> Notification:
        """The shopper chose a delayed method: completed but unpaid (the outcome follows)."""
        with self.lock:
            session = self._complete(self.session_for(reference)["id"], paid=False)
            return self.notification(self.event("checkout.session.completed", self._public(session)))

    def settle_later(self, reference: str, *, succeeded: bool) -> Notification:
        """The delayed payment of ``reference`` succeeded or failed: async_payment_succeeded/failed."""
        with self.lock:
            session = self.session_for(reference)
            if succeeded:
                session["payment_status"] = "paid"
                self.payment_intents[session["payment_intent"]]["status"] = "succeeded"
            kind = "succeeded" if succeeded else "failed"
            return self.notification(
                self.event(f"checkout.session.async_payment_{kind}", self._public(session))
            )

    def expire(self, reference: str) -> Notification:
        """The session of ``reference`` ran out of time unpaid: checkout.session.expired."""
        with self.lock:
            session = self.session_for(reference)
            session["status"] = "expired"
            return self.notification(self.event("checkout.session.expired", self._public(session)))

    def refund_settle(self, refund_id: str, *, succeeded: bool) -> Notification:
        """A pending refund completed or failed: refund.updated / refund.failed."""
        with self.lock:
            refund = self.refunds[refund_id]
            refund["status"] = "succeeded" if succeeded else "failed"
            if not succeeded:
                refund["failure_reason"] = "expired_or_canceled_card"
                self.payment_intents[refund["payment_intent"]]["amount_refunded"] -= refund["amount"]
            return self.notification(self.event("refund.updated" if succeeded else "refund.failed", refund))

    def event(self, kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
        """A Stripe event about (a snapshot of) ``obj``, kept in ``events``."""
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": created if created is not None else int(time.time()),
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        with self.lock:
            self.events.append(event)
        return event

    def sign(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """The Stripe-Signature header for ``body``."""
        stamp = int(time.time()) if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        digest = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={stamp},v1={digest}"

    def notification(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> Notification:
        """``event`` as Stripe delivers it: JSON body, signature header."""
        body = json.dumps(event, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": self.sign(body, timestamp=timestamp, secret=secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return Notification(body=body, headers=headers, event=event)

    def deliver(self, notification: Notification) -> int:
        """POST the notification to ``notify_url`` over HTTP; the status code the shop answered."""
        request = urllib.request.Request(
            self.notify_url, data=notification.body, headers=notification.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        with self.lock:
            self.deliveries.append((notification.event.get("id", ""), status))
        return status

    def _complete(self, session_id: str, *, paid: bool) -> dict[str, Any]:
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise StripeApiError(400, f"Checkout Session {session_id} is {session['status']}")
        intent_id = _new_id("pi")
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "amount": session["amount_total"],
            "currency": session["currency"],
            "amount_refunded": 0,
            "charge": _new_id("ch"),
            "status": "succeeded" if paid else "processing",
            "metadata": dict(session["payment_intent_metadata"]),
        }
        session.update(
            status="complete",
            payment_status="paid" if paid else "unpaid",
            payment_intent=intent_id,
            customer_details={"email": session["customer_email"]},
        )
        return session

    def _deliver_from_page(self, notification: Notification) -> None:
        if self.lose_next_notification:
            self.lose_next_notification = False
            return
        if self.notification_delay <= 0:
            self.deliver(notification)
            return

        def later() -> None:
            time.sleep(self.notification_delay)
            self.deliver(notification)

        thread = threading.Thread(target=later, daemon=True)
        self._delivery_threads.append(thread)
        thread.start()

    # -- the API --------------------------------------------------------------------------------

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
            total += _integer(price, "unit_amount", minimum=1) * _integer(item, "quantity", minimum=1)
        if len(currencies) != 1:
            raise StripeApiError(400, "All line items must share one currency.", param="line_items")
        now = int(time.time())
        expires_at = _integer(params, "expires_at") if "expires_at" in params else now + SESSION_MAX_SECONDS
        if not now + SESSION_MIN_SECONDS <= expires_at <= now + SESSION_MAX_SECONDS:
            raise StripeApiError(
                400, "The `expires_at` timestamp must be 30 minutes to 24 hours from now.", param="expires_at"
            )
        if params.get("locale", "auto") not in LOCALES:
            raise StripeApiError(400, f"Invalid locale: {params.get('locale')}", param="locale")
        session_id = _new_id("cs_test")
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
        return self._public(session)

    def _session_retrieve(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        if session_id not in self.sessions:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'", code="resource_missing")
        return self._public(self.sessions[session_id])

    def _session_list(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [
            self._public(s)
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
        self.event("checkout.session.expired", self._public(session))
        return self._public(session)

    def _refund_create(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if intent is None:
            raise StripeApiError(
                404, f"No such payment_intent: '{params.get('payment_intent')}'", code="resource_missing"
            )
        if intent["status"] != "succeeded":
            raise StripeApiError(400, "This PaymentIntent has no successful charge to refund.")
        remaining = intent["amount"] - intent["amount_refunded"]
        amount = _integer(params, "amount", minimum=1) if "amount" in params else remaining
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
            "id": _new_id("re"),
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

    @staticmethod
    def _public(session: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in session.items() if key not in PRIVATE_SESSION_KEYS}


class _Handler(BaseHTTPRequestHandler):
    standin: StripeStandin

    def log_message(self, format: str, *args) -> None:  # quiet
        return

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if match := re.fullmatch(r"/pay/(cs_[\w]+)", url.path):
            self._payment_page(match.group(1))
        else:
            self._api("GET", url.path, form_decode(url.query))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if match := re.fullmatch(r"/pay/(cs_[\w]+)/(pay|cancel)", url.path):
            self._payment_action(match.group(1), match.group(2))
        else:
            self._api("POST", url.path, form_decode(body))

    # -- API ------------------------------------------------------------------------------------

    def _api(self, method: str, path: str, params: dict[str, Any]) -> None:
        standin = self.standin
        with standin.lock:
            standin.requests.append((method, path, params, dict(self.headers.items())))
        if self.headers.get("Authorization") != f"Bearer {standin.secret_key}":
            error = StripeApiError(401, "Invalid API Key provided.", kind="invalid_request_error")
            self._json(error.status, error.body)
            return
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = json.dumps([path, params], sort_keys=True)
        with standin.lock:
            if key and key in standin.idempotent:
                seen, status, body = standin.idempotent[key]
                if seen != fingerprint:
                    status, body = (
                        400,
                        StripeApiError(
                            400,
                            "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                            kind="idempotency_error",
                        ).body,
                    )
                self._json(status, body, replayed=True)
                return
            try:
                status, body = 200, standin.api(method, path, params)
            except StripeApiError as error:
                status, body = error.status, error.body
            if key:
                standin.idempotent[key] = (fingerprint, status, body)
        self._json(status, body)

    def _json(self, status: int, body: dict[str, Any], *, replayed: bool = False) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _new_id("req"))
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(data)

    # -- the hosted payment page ----------------------------------------------------------------

    def _payment_page(self, session_id: str) -> None:
        session = self.standin.sessions.get(session_id)
        if session is None:
            self._html(404, "<h1>Not found</h1>")
            return
        if session["status"] != "open":
            self._html(410, "<h1>This checkout session is no longer available.</h1>")
            return
        minor = session["amount_total"]
        currency = session["currency"]
        shown = str(minor) if currency in ZERO_DECIMAL else f"{minor // 100}.{minor % 100:02d}"
        self._html(
            200,
            f"<h1>Stripe test checkout</h1>"
            f"<p id='item'>{escape(session['product_name'])}</p>"
            f"<p id='amount'>{escape(currency.upper())} {shown}</p>"
            f"<p id='email'>{escape(session['customer_email'] or '')}</p>"
            f"<form method='post' action='/pay/{session_id}/pay'><button>Pay</button></form>"
            f"<form method='post' action='/pay/{session_id}/cancel'><button>Cancel</button></form>",
        )

    def _payment_action(self, session_id: str, action: str) -> None:
        standin = self.standin
        with standin.lock:
            session = standin.sessions.get(session_id)
            if session is None or session["status"] != "open":
                self._html(410, "<h1>This checkout session is no longer available.</h1>")
                return
            if action == "cancel":
                # Stripe keeps the session open until it expires; the shopper just goes back.
                target = session["cancel_url"]
                notification = None
            else:
                standin._complete(session_id, paid=True)
                target = session["success_url"]
                notification = standin.notification(
                    standin.event("checkout.session.completed", standin._public(session))
                )
        if notification is not None:
            standin._deliver_from_page(notification)
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _html(self, status: int, content: str) -> None:
        data = (
            f"<!doctype html><html><head><title>Stripe</title></head><body>{content}</body></html>".encode()
        )
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
