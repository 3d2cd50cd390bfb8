"""The online gateways the shop knows; each is offered only when configured (orders.payments)."""

GATEWAY_PROVIDER_CLASSES: tuple[str, ...] = (
    "payments.providers.stripe.StripeProvider",
    "payments.providers.alipay.AlipayProvider",
    "payments.providers.wechat.WeChatPayProvider",
)
