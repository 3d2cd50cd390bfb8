"""Domain errors of wishlists: a product that cannot be saved, a list that is full."""

from shop.exceptions import ShopError


class WishlistError(ShopError):
    """A product that cannot be put on the wishlist."""


class ProductUnavailable(WishlistError):
    """The product is unknown, withdrawn, or in a hidden category."""


class WishlistFull(WishlistError):
    """The list already holds ``wishlists.session.WISHLIST_MAX_ITEMS`` products."""
