from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishlistsConfig(AppConfig):
    name = "wishlists"
    verbose_name = _("Wishlists")

    def ready(self) -> None:
        from shop.privacy import privacy_part_register
        from wishlists import receivers  # noqa: F401 (a guest's wishlist joins the account at sign-in)
        from wishlists.privacy import WISHLIST_PRIVACY_PART

        privacy_part_register(WISHLIST_PRIVACY_PART)
