"""Demo shipping zones and rates, for ``seed_demo_orders`` (the catalogue's seed_demo cannot reach orders).

江浙沪 ship cheapest, the rest of the mainland at the standard rates, 新疆/西藏/青海 are remote
(Standard with a surcharge; Express does not deliver there), and Hong Kong, Macao and abroad
go by Express only. Nothing is done when the shop has any zone: staff's zones are never touched.
"""

from decimal import Decimal

from django.db import transaction

from orders.models import ShippingMethod, ShippingRate, ShippingZone
from shop.addresses import Country

FLAT = ShippingRate.Kind.FLAT
WEIGHT = ShippingRate.Kind.WEIGHT
NONE = ShippingRate.Kind.NOT_DELIVERED

# (name, provinces, countries)
ZONES = (
    ("江浙沪", ["31", "32", "33"], []),
    ("偏远地区 新疆、西藏、青海", ["54", "63", "65"], []),
    ("中国大陆其他省份", [], [Country.CN]),
    ("港澳及海外", [], [code for code in Country.values if code != Country.CN]),
)


def _weight(first: str, per_kg: str, **extra) -> dict:
    return {
        "kind": WEIGHT,
        "price": Decimal(first),
        "first_weight_grams": 1000,
        "additional_unit_grams": 1000,
        "additional_unit_price": Decimal(per_kg),
        **extra,
    }


# Per method code, one rate per zone above, in the same order.
RATES = {
    "standard": (
        {"kind": FLAT, "price": Decimal("8.00"), "free_above": Decimal("99.00")},
        _weight("15.00", "8.00", surcharge=Decimal("20.00")),
        _weight("12.00", "5.00", free_above=Decimal("199.00")),
        {"kind": NONE},
    ),
    "express": (
        _weight("15.00", "2.00"),
        {"kind": NONE},
        _weight("23.00", "12.00"),
        _weight("80.00", "30.00"),
    ),
}


@transaction.atomic(durable=True)
def demo_shipping_seed() -> int:
    """Create the demo zones and the rates of the standard and express methods; returns the zones made.

    Idempotent: does nothing (returns 0) once the shop has any zone. A method missing (staff
    deleted it) gets no rates. Must not run inside a transaction.
    """
    if ShippingZone.objects.exists():
        return 0
    zones = ShippingZone.objects.bulk_create(
        ShippingZone(name=name, position=position, provinces=provinces, countries=countries)
        for position, (name, provinces, countries) in enumerate(ZONES, start=1)
    )
    methods = {method.code: method for method in ShippingMethod.objects.filter(code__in=RATES)}
    ShippingRate.objects.bulk_create(
        ShippingRate(method=methods[code], zone=zone, **rate)
        for code, rates in RATES.items()
        if code in methods
        for zone, rate in zip(zones, rates, strict=True)
    )
    return len(zones)
