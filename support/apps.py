from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Customer support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.privacy import privacy_part_register
        from support.privacy import SUPPORT_PRIVACY_PART

        privacy_part_register(SUPPORT_PRIVACY_PART)
