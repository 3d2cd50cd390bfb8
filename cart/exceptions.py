"""Domain errors of the cart, shared with checkout."""

from django.utils.translation import gettext_lazy as _

from shop.exceptions import ShopError


class VariantUnavailable(ShopError):
    """The variant does not exist, or it or its product is no longer for sale."""

    def __init__(self, *, variant_id: int) -> None:
        self.variant_id = variant_id
        super().__init__(f"Variant {variant_id} is not available.")


class OutOfStock(ShopError):
    """Fewer units are in stock than asked for; ``available`` says how many are left."""

    def __init__(self, *, variant_id: int, available: int, name: str = "", in_cart: int = 0) -> None:
        self.variant_id = variant_id
        self.available = available
        self.name = name
        self.in_cart = in_cart
        super().__init__(f"Variant {variant_id}: only {available} left.")


class PerOrderMaxExceeded(ShopError):
    """The cart holds more units of a product (its variants together) than one order may."""

    def __init__(self, *, product_id: int, name: str, maximum: int, in_cart: int) -> None:
        self.product_id = product_id
        self.name = name
        self.maximum = maximum
        self.in_cart = in_cart
        super().__init__(f"Product {product_id}: at most {maximum} per order, {in_cart} in the cart.")


class CartEmpty(ShopError):
    """There is nothing in the cart to check out."""

    message = _("Your cart is empty.")


class CouponTriesExceeded(ShopError):
    """This client has had too many coupon codes refused lately; the code was not looked up."""

    message = _("You have tried too many codes. Please wait a few minutes and try again.")
