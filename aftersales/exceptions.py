"""Domain errors of after-sales; each carries a translated message for the shopper or staff."""

from shop.exceptions import ShopError


class AfterSalesError(ShopError):
    """The request or the step makes no sense now; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class RequestNotAllowed(AfterSalesError):
    """The shopper may not ask for this: the order, the window, the lines or the quantities."""


class StepNotAllowed(AfterSalesError):
    """The request is not in a state where this step makes sense (or someone moved it meanwhile)."""


class RefundNotPossible(AfterSalesError):
    """Nothing can be refunded, or not this way (a gateway refused, a reference is missing)."""


class ExchangeOutOfStock(AfterSalesError):
    """The option to send in exchange is short of stock: staff may refund the request instead."""
