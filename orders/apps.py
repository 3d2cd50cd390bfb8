from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from orders.privacy import ORDERS_PRIVACY_PART
        from shop.privacy import privacy_part_register

        privacy_part_register(ORDERS_PRIVACY_PART)
