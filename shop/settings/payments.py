"""Settings of the online payment gateways, read from the environment (imported by shop.settings)."""

from datetime import timedelta

from shop.settings import SITE_URL, env

# Online payments (payments/): a gateway is offered at checkout only when its settings are
# present and SHOP_CURRENCY is one it takes. Gateways send their notifications to
# PAYMENT_NOTIFY_BASE_URL + /payments/notify/<provider>/ (the public HTTPS address).
PAYMENT_NOTIFY_BASE_URL = env.str("PAYMENT_NOTIFY_BASE_URL", default=SITE_URL).rstrip("/")
# sync_payments asks the gateway about payments still pending after this long.
PAYMENT_SYNC_AFTER = timedelta(minutes=env.int("PAYMENT_SYNC_AFTER_MINUTES", default=5))
# Refused notifications kept per hour, from one address and from everywhere, per gateway:
# past that, forged posts are still refused and logged but write nothing.
PAYMENT_REFUSED_STORED_PER_HOUR_PER_IP = env.int("PAYMENT_REFUSED_STORED_PER_HOUR_PER_IP", default=60)
PAYMENT_REFUSED_STORED_PER_HOUR = env.int("PAYMENT_REFUSED_STORED_PER_HOUR", default=600)
# Dotted paths of the gateway classes to load; empty means all of payments/providers/__init__.py.
PAYMENT_GATEWAYS: list[str] = []

# Online payments: Stripe (payments/providers/stripe/)
# Card payments through Stripe Checkout; offered only when both keys are set. Test-mode keys
# (sk_test_...) are Stripe's sandbox: only test-mode webhooks are accepted with them, and only
# live ones with live keys. The webhook endpoint (Stripe dashboard) is
# PAYMENT_NOTIFY_BASE_URL + /payments/notify/stripe/ and its signing secret is whsec_...
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Where the API is reached (tests point it at a local stand-in) and where Checkout pages live (CSP).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
STRIPE_CHECKOUT_ORIGIN = env.str("STRIPE_CHECKOUT_ORIGIN", default="https://checkout.stripe.com").rstrip("/")
# A Checkout Session stays payable this long (Stripe allows 30 minutes to 24 hours).
STRIPE_CHECKOUT_EXPIRES_MINUTES = env.int("STRIPE_CHECKOUT_EXPIRES_MINUTES", default=60)
# Seconds to wait for an answer of the API.
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)

# Online payments: Alipay (payments/providers/alipay/)
# Offered when the app id and both RSA2 keys are set. A key is PEM text (or the bare base64
# Alipay's key tool prints; "\n" in the value counts as a line break) or, in the _FILE
# variant, the path of a file holding it. ALIPAY_PUBLIC_KEY is Alipay's public key, not ours.
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env.str("ALIPAY_APP_PRIVATE_KEY", default="", multiline=True)
ALIPAY_APP_PRIVATE_KEY_FILE = env.str("ALIPAY_APP_PRIVATE_KEY_FILE", default="")
ALIPAY_PUBLIC_KEY = env.str("ALIPAY_PUBLIC_KEY", default="", multiline=True)
ALIPAY_PUBLIC_KEY_FILE = env.str("ALIPAY_PUBLIC_KEY_FILE", default="")
# The merchant's Alipay id (2088...); when set, notifications for another seller are refused.
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")
# The sandbox gateway instead of the real one; ALIPAY_GATEWAY_URL, when set, overrides both.
ALIPAY_SANDBOX = env.bool("ALIPAY_SANDBOX", default=False)
ALIPAY_GATEWAY_URL = env.str("ALIPAY_GATEWAY_URL", default="")
# Seconds a call to Alipay's API may take.
ALIPAY_TIMEOUT = env.int("ALIPAY_TIMEOUT", default=15)

# Online payments: WeChat Pay (payments/providers/wechat/)
# API v3 in "WeChat Pay public key" mode: requests are signed with the merchant's API private
# key (its certificate serial number in WECHATPAY_CERT_SERIAL_NO); answers and notifications
# must be signed by WeChat Pay's platform key WECHATPAY_PUBLIC_KEY (id WECHATPAY_PUBLIC_KEY_ID).
# Keys are PEM text (\n escapes allowed) or a file path in the matching ..._FILE variable.
# WeChat Pay API v3 has no sandbox; WECHATPAY_PROXY (e.g. http://proxy:3128) sends the API
# calls through an HTTPS proxy (an egress proxy; the tests' stand-in gateway is one).
WECHATPAY_MCH_ID = env.str("WECHATPAY_MCH_ID", default="")
WECHATPAY_APP_ID = env.str("WECHATPAY_APP_ID", default="")
WECHATPAY_PRIVATE_KEY = env.str("WECHATPAY_PRIVATE_KEY", default="", multiline=True)
WECHATPAY_PRIVATE_KEY_FILE = env.str("WECHATPAY_PRIVATE_KEY_FILE", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PUBLIC_KEY = env.str("WECHATPAY_PUBLIC_KEY", default="", multiline=True)
WECHATPAY_PUBLIC_KEY_FILE = env.str("WECHATPAY_PUBLIC_KEY_FILE", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_PROXY = env.str("WECHATPAY_PROXY", default="")

# WeChat Pay inside WeChat's browser (JSAPI): the official account (公众号) bound to the merchant.
# Its AppID and AppSecret let the shop learn the shopper's openid through the silent OAuth
# (snsapi_base); WECHAT_OAUTH_BASE_URL serves the authorize page, WECHAT_API_BASE_URL the code
# exchange (both point at the stand-in in the tests).
WECHAT_MP_APP_ID = env.str("WECHAT_MP_APP_ID", default="")
WECHAT_MP_APP_SECRET = env.str("WECHAT_MP_APP_SECRET", default="")
WECHAT_OAUTH_BASE_URL = env.str("WECHAT_OAUTH_BASE_URL", default="https://open.weixin.qq.com")
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com")
