from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from catalog import receivers  # noqa: F401 (keeps the page cache and back-in-stock in step)
        from catalog.privacy import CATALOG_PRIVACY_PART
        from shop.privacy import privacy_part_register

        privacy_part_register(CATALOG_PRIVACY_PART)
