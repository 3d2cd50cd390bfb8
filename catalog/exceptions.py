"""Domain errors of the catalogue: back-in-stock requests refused."""

from shop.exceptions import ShopError


class BackInStockError(ShopError):
    """A back-in-stock request that cannot be taken."""


class VariantUnavailable(BackInStockError):
    """The variant is unknown or no longer sold."""


class VariantInStock(BackInStockError):
    """The variant can be bought right now: nothing to wait for."""


class TooManyWaiting(BackInStockError):
    """The address already waits for ``catalog.back_in_stock.BACK_IN_STOCK_MAX_WAITING`` other variants."""
