"""Alipay website (PC) and mobile-browser payments with ``python-alipay-sdk`` (RSA2).

The shopper is sent to Alipay's cashier with a signed URL (alipay.trade.page.pay
on desktops, alipay.trade.wap.pay on phones) and comes back to the order page;
only the signed asynchronous notification or a signed answer to
alipay.trade.query says the order is paid. A client is built per call from the
settings, so a change of keys or gateway needs no restart and tests point it at
a local stand-in.

- ``provider``: ``AlipayProvider`` and its server API calls (query, close, refunds).
- ``notifications``: verifying an asynchronous notification and saying what it reports.
- ``client``: the SDK client, pointed at the configured gateway, with the app's keys.
- ``formats``: how Alipay writes times and amounts, and the fields kept of what it sends.
"""

from payments.providers.alipay.provider import AlipayProvider

__all__ = ["AlipayProvider"]
