"""Shopper-facing sentences for cart outcomes, shared by the cart and checkout views."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cart.exceptions import OutOfStock, PerOrderMaxExceeded
from cart.pricing import CartPricing
from cart.services import CartChange
from shop.money import format_money


def out_of_stock_message(error: OutOfStock) -> str:
    """Say which item is short and how many are left."""
    name = error.name or _("This item")
    if error.available <= 0:
        return _("Sorry, “%(name)s” is sold out.") % {"name": name}
    if error.in_cart == error.available:
        return ngettext(
            "Your cart already holds the last %(count)d of “%(name)s”.",
            "Your cart already holds all %(count)d of “%(name)s” that are left.",
            error.available,
        ) % {"count": error.available, "name": name}
    return ngettext(
        "Only %(count)d of “%(name)s” is left.",
        "Only %(count)d of “%(name)s” are left.",
        error.available,
    ) % {"count": error.available, "name": name}


def per_order_max_message(error: PerOrderMaxExceeded) -> str:
    """Say which product the cart holds too many of, and how many one order may hold."""
    return _(
        "You can order at most %(max)d of “%(name)s” at once, and your cart holds %(count)d. "
        "Please lower the quantity."
    ) % {"max": error.maximum, "name": error.name, "count": error.in_cart}


def cart_change_message(change: CartChange, *, added: bool) -> str:
    """Confirm a cart write, saying so when stock or the product's maximum per order capped the quantity."""
    if change.capped and change.per_order_max is not None:
        return _(
            "You can order at most %(max)d of “%(product)s” at once, "
            "so your cart now holds %(count)d of “%(name)s”."
        ) % {
            "max": change.per_order_max,
            "product": change.product_name,
            "count": change.quantity,
            "name": change.name,
        }
    if change.quantity == 0:
        return _("Item removed from your cart.")
    if change.capped:
        return ngettext(
            "Only %(count)d of “%(name)s” is available, so your cart now holds %(count)d.",
            "Only %(count)d of “%(name)s” are available, so your cart now holds %(count)d.",
            change.quantity,
        ) % {"count": change.quantity, "name": change.name}
    if added:
        return _("“%(name)s” was added to your cart.") % {"name": change.name}
    return _("Your cart was updated.")


def coupon_applied_message(pricing: CartPricing) -> str:
    """Confirm an applied code, naming it and what it takes off."""
    if pricing.free_shipping:
        return _("The code “%(code)s” is applied: your order ships free.") % {"code": pricing.coupon_code}
    return _("The code “%(code)s” is applied: %(amount)s off.") % {
        "code": pricing.coupon_code,
        "amount": format_money(pricing.coupon_amount),
    }
