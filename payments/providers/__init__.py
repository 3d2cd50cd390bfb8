"""The online gateways the shop knows; each is offered only when configured.

``gateway_list`` is what the payments app registers with orders' payment methods
(``orders.payment_methods.payment_gateways_register``, in ``PaymentsConfig.ready``).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payments.providers.base import GatewayProvider

GATEWAY_PROVIDER_CLASSES: tuple[str, ...] = (
    "payments.providers.stripe.StripeProvider",
    "payments.providers.alipay.AlipayProvider",
    "payments.providers.wechat.WeChatPayProvider",
)


def gateway_list() -> list["GatewayProvider"]:
    """One instance of each gateway class named in PAYMENT_GATEWAYS, or of every class above when it is empty.

    Imports the gateways' modules, and with them their SDKs (slow): call it only
    when the payment methods are first needed.
    """
    paths = getattr(settings, "PAYMENT_GATEWAYS", None) or GATEWAY_PROVIDER_CLASSES
    return [import_string(path)() for path in paths]
