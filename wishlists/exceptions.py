"""Domain errors of wishlists: a product that cannot be saved, a list that is full."""

from django.conf import settings

from shop.exceptions import ShopError


class WishlistError(ShopError):
    """A product that cannot be put on the wishlist."""


class ProductUnavailable(WishlistError):
    """The product is unknown, withdrawn, or in a hidden category."""


class WishlistFull(WishlistError):
    """The list already holds ``limit`` products (settings.WISHLIST_MAX_ITEMS)."""

    def __init__(self) -> None:
        self.limit = settings.WISHLIST_MAX_ITEMS
        super().__init__(f"The wishlist holds {self.limit} products already.")
