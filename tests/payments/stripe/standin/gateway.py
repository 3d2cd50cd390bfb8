"""``StripeStandin``: the stand-in's state, its test controls, and what happens at Stripe.

Paying, settling, expiring and refunding change the state and return the
signed webhook Stripe would send; ``deliver`` POSTs one to the shop over HTTP.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from tests.payments.standin import StandinServer
from tests.payments.stripe.standin.api import StripeApi
from tests.payments.stripe.standin.handler import StripeHandler
from tests.payments.stripe.standin.protocol import (
    API_VERSION,
    Notification,
    StripeApiError,
    new_id,
    public_session,
)


class StripeStandin(StripeApi, StandinServer):
    """The stand-in server and its state; ``with StripeStandin() as stripe: stripe.use_in(settings)``."""

    handler_class = StripeHandler

    def __init__(self) -> None:
        super().__init__()
        self.secret_key = "sk_test_" + secrets.token_hex(16)
        self.webhook_secret = "whsec_" + secrets.token_hex(24)
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
        self._delivery_threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Wait for the webhooks the payment page is still delivering, then stop serving."""
        for thread in self._delivery_threads:
            thread.join(timeout=10)
        super().stop()

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
            return json.loads(json.dumps(public_session(self.session_for(reference))))

    def api_calls(self, method: str, path_prefix: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
        """(parameters, headers) of every API call with this method to paths starting with the prefix."""
        with self.lock:
            return [(p, h) for m, path, p, h in self.requests if m == method and path.startswith(path_prefix)]

    # -- what happens at Stripe -----------------------------------------------------------------

    def pay(self, reference: str) -> Notification:
        """The shopper pays the session of ``reference`` by card: checkout.session.completed."""
        with self.lock:
            session = self.session_complete(self.session_for(reference)["id"], paid=True)
            return self.notification(self.event("checkout.session.completed", public_session(session)))

    def pay_later(self, reference: str) -> Notification:
        """The shopper chose a delayed method: completed but unpaid (the outcome follows)."""
        with self.lock:
            session = self.session_complete(self.session_for(reference)["id"], paid=False)
            return self.notification(self.event("checkout.session.completed", public_session(session)))

    def settle_later(self, reference: str, *, succeeded: bool) -> Notification:
        """The delayed payment of ``reference`` succeeded or failed: async_payment_succeeded/failed."""
        with self.lock:
            session = self.session_for(reference)
            if succeeded:
                session["payment_status"] = "paid"
                self.payment_intents[session["payment_intent"]]["status"] = "succeeded"
            kind = "succeeded" if succeeded else "failed"
            return self.notification(
                self.event(f"checkout.session.async_payment_{kind}", public_session(session))
            )

    def expire(self, reference: str) -> Notification:
        """The session of ``reference`` ran out of time unpaid: checkout.session.expired."""
        with self.lock:
            session = self.session_for(reference)
            session["status"] = "expired"
            return self.notification(self.event("checkout.session.expired", public_session(session)))

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
            "id": new_id("evt"),
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

    def session_complete(self, session_id: str, *, paid: bool) -> dict[str, Any]:
        """The shopper finished Checkout: paid now, or (a delayed method) still to be settled."""
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise StripeApiError(400, f"Checkout Session {session_id} is {session['status']}")
        intent_id = new_id("pi")
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "amount": session["amount_total"],
            "currency": session["currency"],
            "amount_refunded": 0,
            "charge": new_id("ch"),
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

    def deliver_from_page(self, notification: Notification) -> None:
        """Deliver the payment page's webhook: lost, at once, or after ``notification_delay``."""
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
