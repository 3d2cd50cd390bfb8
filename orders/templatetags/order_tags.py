from decimal import Decimal

from django import template

from orders.selectors import ShippingEstimate, shipping_estimate_get

register = template.Library()


@register.simple_tag
def shipping_estimate(subtotal: Decimal) -> ShippingEstimate | None:
    """The cheapest shipping for a subtotal: ``{% shipping_estimate cart.subtotal as estimate %}``."""
    return shipping_estimate_get(subtotal=subtotal)
