"""A local stand-in for Alipay's gateway: the cashier page, the server APIs and the notifications.

It runs on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a thread) and behaves
like ``https://openapi.alipay.com/gateway.do`` for what the shop uses:

- ``GET /gateway.do?method=alipay.trade.page.pay|wap.pay&...`` checks the shop's
  RSA2 signature (with the app public key the test generated) and shows the
  cashier: the amount and Pay / Cancel buttons (plain forms). Pay marks the
  trade paid, POSTs the signed asynchronous notification to its notify_url and
  redirects the browser to return_url with the signed synchronous-return
  parameters. Cancel closes the trade as Alipay's timeout would (TRADE_CLOSED,
  notified) and sends the browser back to return_url.
- ``POST /gateway.do`` (or GET) with alipay.trade.query, .close, .refund and
  .fastpay.refund.query answers Alipay-shaped JSON signed with the stand-in's
  "Alipay" private key (the shop is configured with its public key).

Signing is written here with ``cryptography``, independently of the SDK, so the
tests prove the two agree on Alipay's rules.

- ``gateway``: ``AlipayStandin``, its configuration, test controls and notifications.
- ``api``: the server APIs (query, close, refund, refund query) and the trades they change.
- ``handler``: HTTP: ``/gateway.do``, the cashier page and its buttons.
- ``protocol``: Alipay's shapes: Beijing times, the string to sign, notifications, trades.
"""

from tests.payments.alipay.standin.gateway import AlipayStandin
from tests.payments.alipay.standin.protocol import Notification, Trade, backdated

__all__ = ["AlipayStandin", "Notification", "Trade", "backdated"]
