"""WeChat Pay, API v3, through the ``wechatpayv3`` SDK: Native (QR code), H5 (phones), JSAPI (in WeChat).

The SDK runs in "WeChat Pay public key" mode: requests are signed with the
merchant's API private key, and every answer and notification must carry a
valid signature by WeChat Pay's platform key (``WECHATPAY_PUBLIC_KEY``), so no
platform certificate is ever downloaded. Notifications are also checked for
freshness here (the SDK does not) and their AES-256-GCM resource is decrypted
with the APIv3 key. The SDK has no base-URL setting; ``WECHATPAY_PROXY`` (the
SDK's documented ``proxy`` argument) sends its HTTPS calls through a proxy.

- ``provider``: ``WeChatPayProvider``: checkout, queries, closing and refunds.
- ``notifications``: checking a notification's headers and signature, and what it reports.
- ``oauth``: WeChat's silent OAuth for JSAPI: the signed state, the code exchange, the openid in the session.
- ``client``: the SDK client built from the settings, and one call through it.
- ``resources``: WeChat Pay's transactions and refunds in our terms (amounts in fen, events).
"""

from payments.providers.wechat.provider import WeChatPayProvider
from payments.providers.wechat.resources import amount_from_fen, fen_from_amount

__all__ = ["WeChatPayProvider", "amount_from_fen", "fen_from_amount"]
