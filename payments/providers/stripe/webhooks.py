"""Stripe webhooks: the Stripe-Signature check and what a verified event reports.

Stripe signs ``<timestamp>.<raw body>`` with the endpoint secret (HMAC-SHA256);
the library checks that signature and its age, this module also refuses
signatures dated in the future and events from the other mode (test or live).
"""

import json
import time
from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest

from payments.providers.base import EventKind, GatewayEvent, NotificationRejected
from payments.providers.stripe.objects import refund_events, session_event

# Stripe's documented default: a webhook signed longer ago than this is refused (a replay).
WEBHOOK_TOLERANCE_SECONDS = 300

PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
FAILED_EVENTS = frozenset({"checkout.session.async_payment_failed", "checkout.session.expired"})
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed"})


def webhook_events(request: HttpRequest, *, client: stripe.StripeClient, live: bool) -> list[GatewayEvent]:
    """Verify the Stripe-Signature (HMAC of the raw body, at most 5 minutes old) and map the event.

    ``live`` says whether the shop uses live keys. Raises NotificationRejected for anything not genuine.
    """
    body = request.body
    try:
        client.construct_event(
            body,
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(body)
    except stripe.SignatureVerificationError as error:
        raise NotificationRejected(f"bad Stripe signature: {error.user_message or error}") from error
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        raise NotificationRejected(f"malformed Stripe event: {error}") from error
    _check_signed_time(request.headers.get("Stripe-Signature", ""))
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise NotificationRejected("malformed Stripe event: no id")
    if bool(event.get("livemode")) != live:
        raise NotificationRejected("Stripe event from the other mode (test versus live keys)")
    try:
        return _events_from(event)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise NotificationRejected(f"malformed Stripe event {event['id']}: {error!r}") from error


def _check_signed_time(header: str) -> None:
    """Refuse a signature dated in the future too (the library only refuses old ones)."""
    stamps = [part[2:] for part in header.split(",") if part.startswith("t=")]
    if not stamps or not stamps[0].isdigit() or int(stamps[0]) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise NotificationRejected("Stripe signature timestamp out of range")


def _events_from(event: Mapping[str, Any]) -> list[GatewayEvent]:
    kind, event_id = event["type"], event["id"]
    data = event["data"]["object"]
    if kind in PAID_EVENTS:
        # A completed session paid by a delayed method is "unpaid" until async_payment_succeeded.
        if data.get("payment_status") != "paid":
            return []
        return [session_event(kind=EventKind.PAID, session=data, event_id=event_id)]
    if kind in FAILED_EVENTS:
        return [session_event(kind=EventKind.FAILED, session=data, event_id=event_id)]
    if kind in REFUND_EVENTS:
        return refund_events(refund=data, event_id=event_id)
    return []
