"""The Stripe stand-in over HTTP: the API's key check and idempotency, and the hosted payment page."""

import json
import re
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.payments.standin import StandinHandler
from tests.payments.stripe.standin.protocol import (
    ZERO_DECIMAL,
    StripeApiError,
    form_decode,
    new_id,
    public_session,
)

if TYPE_CHECKING:
    from tests.payments.stripe.standin.gateway import StripeStandin


class StripeHandler(StandinHandler):
    standin: "StripeStandin"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if match := re.fullmatch(r"/pay/(cs_[\w]+)", url.path):
            self._payment_page(match.group(1))
        else:
            self._api("GET", url.path, form_decode(url.query))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.request_body().decode()
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
        headers = {"Content-Type": "application/json", "Request-Id": new_id("req")}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        self.respond(status, json.dumps(body).encode(), headers)

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
                standin.session_complete(session_id, paid=True)
                target = session["success_url"]
                notification = standin.notification(
                    standin.event("checkout.session.completed", public_session(session))
                )
        if notification is not None:
            standin.deliver_from_page(notification)
        self.respond(HTTPStatus.SEE_OTHER, b"", {"Location": target})

    def _html(self, status: int, content: str) -> None:
        data = (
            f"<!doctype html><html><head><title>Stripe</title></head><body>{content}</body></html>".encode()
        )
        self.respond(status, data, {"Content-Type": "text/html; charset=utf-8"})
