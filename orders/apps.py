from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from orders.privacy import ORDERS_PRIVACY_PART
        from shop.privacy import privacy_part_register

        privacy_part_register(ORDERS_PRIVACY_PART)

    def warm_up(self) -> None:
        """Build the payment methods before the first request (the WSGI entry point calls this)."""
        from orders.payment_methods import payment_provider_list

        # The gateways registered by payments import their SDKs lazily; built now, they do not
        # load in some shopper's checkout.
        payment_provider_list()
