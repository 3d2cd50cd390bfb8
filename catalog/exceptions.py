"""Domain errors of the catalogue: stock that cannot be taken, and back-in-stock requests refused."""

from shop.exceptions import ShopError


class InsufficientStock(ShopError):
    """Fewer units of a variant are for sale than were asked for; ``available`` says how many are.

    ``available`` is 0 when the variant or its product is no longer sold.
    """

    def __init__(self, *, variant_id: int, available: int) -> None:
        self.variant_id = variant_id
        self.available = available
        super().__init__(f"Variant {variant_id}: only {available} for sale.")


class BackInStockError(ShopError):
    """A back-in-stock request that cannot be taken."""


class VariantUnavailable(BackInStockError):
    """The variant is unknown or no longer sold."""


class VariantInStock(BackInStockError):
    """The variant can be bought right now: nothing to wait for."""


class TooManyWaiting(BackInStockError):
    """The address already waits for ``catalog.back_in_stock.BACK_IN_STOCK_MAX_WAITING`` other variants."""


class RecommendationsBusy(ShopError):
    """Another run is replacing the precomputed recommendations right now."""


class RecommendationsNotPermitted(ShopError):
    """The role running the rebuild cannot give the fresh tables the live tables' owner."""
