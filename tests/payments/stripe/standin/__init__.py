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

- ``gateway``: ``StripeStandin``, its state and what happens at Stripe (payments, events, webhooks).
- ``api``: the API resources (Checkout Sessions, refunds) the shop's calls reach.
- ``handler``: HTTP: the API's authentication and idempotency, and the hosted payment page.
- ``protocol``: Stripe's shapes: errors, form encoding, ids, webhook notifications.
"""

from tests.payments.stripe.standin.gateway import StripeStandin
from tests.payments.stripe.standin.protocol import Notification, StripeApiError, form_decode

__all__ = ["Notification", "StripeApiError", "StripeStandin", "form_decode"]
