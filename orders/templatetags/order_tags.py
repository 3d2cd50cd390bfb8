from decimal import Decimal

from django import template

from orders.selectors import ShippingEstimate, shipping_estimate_get

register = template.Library()


@register.simple_tag
def shipping_estimate(subtotal: Decimal, free_shipping: bool = False) -> ShippingEstimate | None:
    """The cheapest shipping for the goods after discounts, a free-shipping coupon honoured.

    ``{% shipping_estimate pricing.goods_total pricing.free_shipping as estimate %}``
    """
    return shipping_estimate_get(subtotal=subtotal, free_shipping=free_shipping)
