"""Errors of online payments the shop raises on purpose (each a shop.exceptions.ShopError)."""

from shop.exceptions import ShopError


class PaymentUnavailable(ShopError):
    """The payment cannot start now; ``message`` says why, translated, for the shopper."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class RefundNotAllowed(ShopError):
    """The refund asked for is not possible; ``message`` says why, translated, for staff."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
