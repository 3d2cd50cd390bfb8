"""``StripeProvider``: Checkout Sessions, their queries and expiry, and refunds through Stripe's API.

Every call builds its client from the settings as they are now; requests that
create something carry our reference as the idempotency key, so a repeat is safe.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import stripe
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.providers.base import (
    EventKind,
    GatewayCheckout,
    GatewayError,
    GatewayEvent,
    GatewayProvider,
    GatewayUrls,
    NotificationRejected,
    RefundOutcome,
    pick_fields,
)
from payments.providers.stripe.objects import (
    SESSION_FIELDS,
    amount_to_minor,
    id_of,
    refund_outcome,
    session_event,
)
from payments.providers.stripe.webhooks import webhook_events

if TYPE_CHECKING:
    from payments.models import Payment, Refund

# One logger per gateway, named after its package as before the split into modules.
logger = logging.getLogger(__package__)

# Stripe lets a Checkout Session live from 30 minutes to 24 hours; a minute of headroom at
# both ends, so a clock a little off from Stripe's never makes the request invalid.
SESSION_LIFETIME_MIN = timedelta(minutes=31)
SESSION_LIFETIME_MAX = timedelta(hours=24) - timedelta(minutes=1)
# Errors after which a refund's fate is unknown: it stays pending and is asked about again.
TRANSIENT_ERRORS = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.AuthenticationError,
    stripe.PermissionError,
    stripe.IdempotencyError,
)


def _cancel_url(return_url: str) -> str:
    """The order page for a shopper who left Checkout without paying: "not paid yet", not "waiting"."""
    scheme, netloc, path, query, fragment = urlsplit(return_url)
    pairs = [
        (key, "cancelled" if key == "payment" else value)
        for key, value in parse_qsl(query, keep_blank_values=True)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(pairs), fragment))


def _error_text(error: stripe.StripeError) -> str:
    return f"Stripe: {type(error).__name__}: {error.user_message or error}"


class StripeProvider(GatewayProvider):
    """Stripe Checkout (hosted card payment page), webhooks signed with the endpoint secret."""

    code = "stripe"
    name = _("Card (Stripe)")
    currencies = frozenset(
        {"CNY", "USD", "EUR", "GBP", "HKD", "SGD", "JPY", "KRW", "AUD", "CAD", "NZD", "CHF", "MOP"}
    )

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def form_action_origins(self) -> list[str]:
        return [settings.STRIPE_CHECKOUT_ORIGIN]

    # -- the API ------------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        """A client for this call, from the settings as they are now (tests change them)."""
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
            # Safe to retry: every request that creates something carries an idempotency key.
            max_network_retries=2,
        )

    def _live(self) -> bool:
        return settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))

    def checkout_create(
        self, *, payment: "Payment", urls: GatewayUrls, client_ip: str, payer_id: str = ""
    ) -> GatewayCheckout:
        """Create a Checkout Session for the payment's exact amount; idempotent per payment reference."""
        order = payment.order
        params = self._session_params(payment=payment, urls=urls)
        try:
            session = self._client().v1.checkout.sessions.create(
                params, {"idempotency_key": payment.reference}
            )
        except stripe.StripeError as error:
            logger.warning("Stripe checkout for %s failed: %s", payment.reference, _error_text(error))
            raise GatewayError(_error_text(error)) from error
        values = session.to_dict()
        if not values.get("url") or not values.get("id"):
            raise GatewayError("Stripe answered a Checkout Session without id or url")
        logger.info("Stripe Checkout Session %s for order %s", values["id"], order.number)
        expires_at = values.get("expires_at")
        return GatewayCheckout(
            redirect_url=values["url"],
            gateway_reference=values["id"],
            expires_at=datetime.fromtimestamp(expires_at, tz=UTC) if isinstance(expires_at, int) else None,
            payload=pick_fields(values, SESSION_FIELDS),
        )

    def _session_params(self, *, payment: "Payment", urls: GatewayUrls) -> dict[str, Any]:
        order = payment.order
        currency = payment.currency.upper()
        lifetime = timedelta(minutes=settings.STRIPE_CHECKOUT_EXPIRES_MINUTES)
        lifetime = min(max(lifetime, SESSION_LIFETIME_MIN), SESSION_LIFETIME_MAX)
        # Counted from the payment's creation, so a repeated request for the same payment has the
        # same parameters (Stripe refuses an idempotency key reused with other parameters).
        now = timezone.now()
        expires_at = max((payment.created_at or now) + lifetime, now + SESSION_LIFETIME_MIN)
        metadata = {"payment_reference": payment.reference, "order_number": order.number}
        with translation.override(order.language or settings.LANGUAGE_CODE):
            product_name = gettext("Order %(number)s") % {"number": order.number}
        return {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount_to_minor(payment.amount, currency),
                        "product_data": {"name": product_name},
                    },
                }
            ],
            "client_reference_id": payment.reference,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "customer_email": order.email,
            "success_url": urls.return_url,
            "cancel_url": _cancel_url(urls.return_url),
            "expires_at": int(expires_at.timestamp()),
            "locale": "zh" if (order.language or "").lower().startswith("zh") else "en",
        }

    def _session_get(self, *, client: stripe.StripeClient, payment: "Payment") -> dict[str, Any]:
        """The payment's Checkout Session, found by its id or, once paid, by its PaymentIntent."""
        reference = payment.gateway_reference
        if reference.startswith("pi_"):
            found = client.v1.checkout.sessions.list({"payment_intent": reference, "limit": 1})
            sessions = found.to_dict().get("data") or []
            if not sessions:
                raise GatewayError(f"Stripe knows no Checkout Session for {reference}")
            return sessions[0]
        if not reference:
            raise GatewayError(f"payment {payment.reference} has no Checkout Session")
        return client.v1.checkout.sessions.retrieve(reference).to_dict()

    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        """Ask Stripe about the Checkout Session: paid, expired (failed), or None while open."""
        try:
            session = self._session_get(client=self._client(), payment=payment)
        except stripe.StripeError as error:
            raise GatewayError(_error_text(error)) from error
        if session.get("client_reference_id") != payment.reference:
            raise GatewayError(f"Stripe session {session.get('id')} is not for payment {payment.reference}")
        if session.get("payment_status") == "paid":
            return session_event(kind=EventKind.PAID, session=session, event_id="")
        if session.get("status") == "expired":
            return session_event(kind=EventKind.FAILED, session=session, event_id="")
        return None

    def checkout_close(self, *, payment: "Payment") -> None:
        """Expire the Checkout Session; one that is already expired counts as closed."""
        client = self._client()
        try:
            session = self._session_get(client=client, payment=payment)
            if session.get("status") == "expired":
                return
            if session.get("status") != "open":
                raise GatewayError(f"Stripe session {session.get('id')} is {session.get('status')}, not open")
            client.v1.checkout.sessions.expire(session["id"])
        except stripe.StripeError as error:
            raise GatewayError(_error_text(error)) from error
        logger.info("Stripe Checkout Session for %s expired", payment.reference)

    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """Refund ``refund.amount`` of the payment's PaymentIntent; idempotent per refund reference."""
        try:
            amount = amount_to_minor(refund.amount, payment.currency)
        except GatewayError as error:
            return RefundOutcome(status="failed", message=str(error))
        client = self._client()
        try:
            payment_intent = self._payment_intent_id(client=client, payment=payment)
            created = client.v1.refunds.create(
                {
                    "payment_intent": payment_intent,
                    "amount": amount,
                    "metadata": {
                        "refund_reference": refund.reference,
                        "payment_reference": payment.reference,
                        "order_number": payment.order.number,
                    },
                },
                {"idempotency_key": refund.reference},
            )
        except TRANSIENT_ERRORS as error:
            raise GatewayError(_error_text(error)) from error
        except stripe.StripeError as error:
            # Stripe refused the refund itself (already refunded, amount too large...): final.
            logger.warning("Stripe refused refund %s: %s", refund.reference, _error_text(error))
            return RefundOutcome(status="failed", message=_error_text(error))
        return refund_outcome(created.to_dict())

    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """The refund's state at Stripe; one whose creation was never confirmed is found or sent again."""
        client = self._client()
        try:
            if refund.gateway_reference:
                return refund_outcome(client.v1.refunds.retrieve(refund.gateway_reference).to_dict())
            payment_intent = self._payment_intent_id(client=client, payment=payment)
            listed = client.v1.refunds.list({"payment_intent": payment_intent, "limit": 100}).to_dict()
        except stripe.StripeError as error:
            raise GatewayError(_error_text(error)) from error
        for values in listed.get("data") or []:
            if (values.get("metadata") or {}).get("refund_reference") == refund.reference:
                return refund_outcome(values)
        # Stripe never received it (the first request failed in transit): send it now.
        return self.refund_create(payment=payment, refund=refund)

    def _payment_intent_id(self, *, client: stripe.StripeClient, payment: "Payment") -> str:
        if payment.gateway_reference.startswith("pi_"):
            return payment.gateway_reference
        session = self._session_get(client=client, payment=payment)
        payment_intent = id_of(session.get("payment_intent"))
        if not payment_intent:
            raise GatewayError(f"Stripe session {session.get('id')} has no payment to refund")
        return payment_intent

    # -- webhooks -----------------------------------------------------------------------------

    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        """Verify the Stripe-Signature (HMAC of the raw body, at most 5 minutes old) and map the event."""
        if not self.is_configured():
            raise NotificationRejected("Stripe is not configured")
        return webhook_events(request, client=self._client(), live=self._live())
