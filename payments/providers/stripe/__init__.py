"""Card payments through Stripe Checkout, with the official ``stripe`` library.

The shopper pays on Stripe's hosted Checkout page and comes back to the order
page; only a signed webhook (``checkout.session.completed`` and friends) or a
server-side query of the Checkout Session says the order is paid. A client is
built per call from the settings (``stripe.StripeClient``), never from the
library's global state, so tests point it at a local stand-in.

- ``provider``: ``StripeProvider`` and its calls to Stripe's API.
- ``webhooks``: verifying a webhook and saying what it reports.
- ``objects``: Stripe's sessions and refunds in our terms (amounts, events, refund outcomes).
"""

from payments.providers.stripe.objects import amount_from_minor, amount_to_minor
from payments.providers.stripe.provider import StripeProvider

__all__ = ["StripeProvider", "amount_from_minor", "amount_to_minor"]
