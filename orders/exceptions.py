"""Domain errors of checkout and the order workflow."""

from cart.exceptions import CartEmpty, OutOfStock, VariantUnavailable
from shop.exceptions import ShopError

__all__ = ["CartEmpty", "InvalidTransition", "OutOfStock", "VariantUnavailable"]


class InvalidTransition(ShopError):
    """The order cannot move to the asked state; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)
