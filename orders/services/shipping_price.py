"""The shipping an order is charged: the chosen method's price for the parcel and the address."""

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from catalog.models import Variant
from orders.exceptions import ShippingUnavailable
from orders.selectors import shipping_rate_table_get
from orders.shipping_rates import Destination, parcel_weight_grams

if TYPE_CHECKING:
    # Only for the annotation: placing imports this module.
    from orders.services.placing import CheckoutData


def _shipping_price(
    *,
    checkout: "CheckoutData",
    variants: Mapping[int, Variant],
    quantities: Mapping[int, int],
    goods_total: Decimal,
) -> Decimal:
    """What the chosen method costs for the locked variants' weights to the checkout's address.

    A method without rates costs its flat price (no query). One priced by zone reads the zones
    and rates now, in the order's transaction, so a rate staff changed since the page was shown
    counts as it is; raises ShippingUnavailable when the method no longer delivers there.
    """
    method = checkout.shipping_method
    flat = method.price_for(goods_total)
    # Read with the checkout's methods (orders.selectors.shipping_method_list); unknown: look.
    if getattr(method, "has_rates", None) is False:
        return flat
    destination = Destination(
        country=checkout.country, province_code=checkout.province_code if checkout.country == "CN" else ""
    )
    price = shipping_rate_table_get().price_for(
        method_id=method.pk,
        flat=flat,
        destination=destination,
        weight_grams=parcel_weight_grams(
            items=[
                (variants[variant_id].weight_grams, quantity) for variant_id, quantity in quantities.items()
            ]
        ),
        goods_total=goods_total,
    )
    if price is None:
        raise ShippingUnavailable(method_name=method.name)
    return price
