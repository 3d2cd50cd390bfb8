"""Domain errors of checkout and the order workflow."""

from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cart.exceptions import CartEmpty, OutOfStock, PerOrderMaxExceeded, VariantUnavailable
from shop.exceptions import ShopError
from shop.money import format_money

__all__ = [
    "CartEmpty",
    "FapiaoClosed",
    "FapiaoNotReady",
    "InvalidTransition",
    "OutOfStock",
    "PerOrderMaxExceeded",
    "ShippingPriceChanged",
    "ShippingUnavailable",
    "TooManyOrders",
    "VariantUnavailable",
]


class InvalidTransition(ShopError):
    """The order cannot move to the asked state; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class TooManyOrders(ShopError):
    """This client or this email address placed as many orders in the last hour as the shop allows."""

    message = _(
        "You have placed as many orders as we accept in one hour. Your cart is kept: "
        "please try again later, or contact us if you need to order more."
    )


class ShippingPriceChanged(ShopError):
    """Shipping would cost other than the checkout page showed (nothing was placed)."""

    def __init__(self, *, seen: Decimal, now: Decimal) -> None:
        self.seen = seen
        self.now = now
        super().__init__(f"{seen} -> {now}")

    @property
    def message(self) -> str:
        return _(
            "Shipping for this order now comes to %(now)s (the page showed %(seen)s). Your order was "
            "not placed: please check the total and place it again."
        ) % {"now": format_money(self.now), "seen": format_money(self.seen)}


class ShippingUnavailable(ShopError):
    """The chosen shipping method does not deliver to the order's address (by the rates as they are now)."""

    def __init__(self, *, method_name: str) -> None:
        self.method_name = method_name
        super().__init__(method_name)

    @property
    def message(self) -> str:
        return _(
            "%(method)s does not deliver to this address. Your order was not placed: please choose "
            "another shipping method."
        ) % {"method": gettext(self.method_name)}


# Shown at checkout when the address is known and no shipping method delivers there.
NOTHING_SHIPS_MESSAGE = _(
    "Sorry, we do not deliver to this address yet. Please enter another address, or contact us."
)


class FapiaoClosed(ShopError):
    """The order's fapiao can no longer be requested or changed: the order is finished or it was issued."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class FapiaoNotReady(ShopError):
    """Staff cannot issue this fapiao as asked; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)
