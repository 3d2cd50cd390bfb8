"""Reads of shipping: the methods on offer, the zones and rates, the cart's estimate."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from orders.models import ShippingMethod, ShippingRate, ShippingZone
from orders.shipping_rates import RateRule, ShippingRateTable, ZoneRates


def shipping_method_list() -> QuerySet[ShippingMethod]:
    """Active shipping methods, in display order, each with ``has_rates`` (priced by zone), in one query."""
    return (
        ShippingMethod.objects.filter(is_active=True)
        .annotate(has_rates=Exists(ShippingRate.objects.filter(method=OuterRef("pk"))))
        .order_by("position", "id")
    )


_RATE_FIELDS = (
    "kind",
    "price",
    "first_weight_grams",
    "additional_unit_grams",
    "additional_unit_price",
    "free_above",
    "surcharge",
)


def shipping_rate_table_get() -> ShippingRateTable:
    """Every shipping zone in order with every method's rate in it, in one query.

    Zones without a rate are read too: an address they hold is theirs, so no rated method
    delivers to it.
    """
    rows = ShippingZone.objects.order_by("position", "id").values_list(
        "id", "name", "provinces", "countries", "rates__method_id", *(f"rates__{n}" for n in _RATE_FIELDS)
    )
    zones: dict[int, ZoneRates] = {}
    rated: set[int] = set()
    for zone_id, name, provinces, countries, method_id, *rate in rows:
        zone = zones.get(zone_id)
        if zone is None:
            zone = zones[zone_id] = ZoneRates(
                zone_id=zone_id, name=name, provinces=frozenset(provinces), countries=frozenset(countries)
            )
        if method_id is not None:
            rated.add(method_id)
            if rate[0] != ShippingRate.Kind.NOT_DELIVERED:
                zone.rates[method_id] = RateRule(**dict(zip(_RATE_FIELDS, rate, strict=True)))
    return ShippingRateTable(zones=tuple(zones.values()), rated_method_ids=frozenset(rated))


@dataclass(frozen=True)
class ShippingEstimate:
    """The cheapest shipping for a subtotal, the total with it, and how much more ships free."""

    method: ShippingMethod
    price: Decimal
    total: Decimal
    # What the cart still needs for free shipping with some method; None when it ships free
    # already or no method ever does.
    free_shipping_gap: Decimal | None = None


def shipping_estimate_get(*, subtotal: Decimal, free_shipping: bool = False) -> ShippingEstimate | None:
    """The cheapest active method for this subtotal (one query), or None when none is active.

    ``subtotal`` is what the goods come to after their discounts (free-shipping thresholds
    look at that); ``free_shipping`` (a free-shipping coupon) waives the price of any method.
    """
    # A method priced by zone has no price before the address is known: the cart leaves it out.
    methods = [method for method in shipping_method_list() if not method.has_rates]
    method = min(methods, key=lambda candidate: candidate.price_for(subtotal), default=None)
    if method is None:
        return None
    price = Decimal("0.00") if free_shipping else method.price_for(subtotal)
    gaps = [m.free_above - subtotal for m in methods if m.free_above is not None and m.free_above > subtotal]
    return ShippingEstimate(
        method=method,
        price=price,
        total=subtotal + price,
        free_shipping_gap=min(gaps) if price and gaps else None,
    )
