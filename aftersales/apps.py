from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AfterSalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aftersales import receivers, views
        from aftersales.privacy import AFTER_SALES_PRIVACY_PART
        from orders.page_sections import order_page_section_register
        from shop.privacy import privacy_part_register

        receivers.connect()
        order_page_section_register(views.order_page_section)
        privacy_part_register(AFTER_SALES_PRIVACY_PART)
