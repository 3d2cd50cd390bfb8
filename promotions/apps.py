from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from promotions.privacy import PROMOTIONS_PRIVACY_PART
        from shop.privacy import privacy_part_register

        privacy_part_register(PROMOTIONS_PRIVACY_PART)
