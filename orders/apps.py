from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # The bestsellers report registers itself with the admin (it is not part of orders/admin/).
        from orders import admin_bestsellers  # noqa: F401
