"""A local WeChat Pay API v3 for the tests, on 127.0.0.1, with keys generated per stand-in.

The real ``wechatpayv3`` SDK talks to it unchanged: the SDK has no base-URL
setting, so the shop sends its calls through ``WECHATPAY_PROXY`` (the SDK's
documented ``proxy`` argument) and this server is that proxy. It accepts a
CONNECT only for api.mch.weixin.qq.com:443, ends the TLS itself with a
certificate from a test CA (``trustme``; the tests trust it through
REQUESTS_CA_BUNDLE) and answers as WeChat Pay does: it checks the merchant's
``Authorization`` signature, keeps transactions and refunds, and signs every
answer with the platform key whose public half the shop is configured with.

The same server, in plain HTTP, is the shopper's phone: ``GET /scan/<id>``
(what scanning the Native QR code opens) and ``GET /h5/<id>`` (the H5 page)
have Pay / Cancel buttons; paying sends the AES-256-GCM encrypted, signed
notification to the payment's notify_url. Tests without a live server call
``pay()`` instead and post the returned ``Notification`` with the test client.

- ``gateway``: ``WeChatPayStandIn``, its configuration, the payer's and WeChat Pay's actions, notifications.
- ``api``: API v3 inside the TLS tunnel: the merchant's signature, transactions, closing, refunds.
- ``phone``: the payer's phone: the pages a scanned QR code or the H5 link opens.
- ``handler``: HTTP: the CONNECT tunnel to the API, and plain requests to the phone's pages.
- ``protocol``: WeChat Pay's shapes: times, signature headers, notifications, transactions, refunds.
- ``oauth``: the official account: WeChat's silent OAuth pages, the code exchange, the page's bridge.
"""

from tests.payments.wechat.standin.gateway import WeChatPayStandIn
from tests.payments.wechat.standin.protocol import Notification, RefundRecord, StandInError, Transaction

__all__ = ["Notification", "RefundRecord", "StandInError", "Transaction", "WeChatPayStandIn"]
