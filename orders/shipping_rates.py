"""What shipping costs to a destination for a parcel's weight: the one place the price is decided.

Pure: no queries. ``orders.selectors.shipping_rate_table_get`` reads the zones and rates into a
``ShippingRateTable`` in one query; checkout labels its choices with it and placing prices the
order with it again, inside the order's transaction (docs/architecture.md, "Shipping rates").
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class RateKind:
    """How a rate prices a parcel (the values of ``ShippingRate.Kind``)."""

    FLAT = "flat"
    WEIGHT = "weight"
    NOT_DELIVERED = "none"


@dataclass(frozen=True)
class RateRule:
    """One method's rate in one zone, as the price calculation reads it."""

    kind: str
    price: Decimal | None = None  # the flat price, or the price of the first weight
    first_weight_grams: int | None = None
    additional_unit_grams: int | None = None
    additional_unit_price: Decimal | None = None
    free_above: Decimal | None = None
    surcharge: Decimal = ZERO


def shipping_price_compute(*, rule: RateRule, weight_grams: int, goods_total: Decimal) -> Decimal | None:
    """What shipping a parcel of ``weight_grams`` costs under ``rule``; None when it does not deliver.

    Flat: the price. By weight: the first weight's price covers up to and including the first
    weight; each additional unit, or part of one, beyond it adds the unit's price (1,000 g first
    and 1,000 g units: 1,000 g is the first weight alone, 1,001 g adds one unit). Goods (after
    discounts) reaching ``free_above`` exactly or more ship free of that price; the remote
    surcharge is added in every case.
    """
    if rule.kind == RateKind.NOT_DELIVERED:
        return None
    if rule.free_above is not None and goods_total >= rule.free_above:
        base = ZERO
    elif rule.kind == RateKind.FLAT:
        base = rule.price or ZERO
    else:
        first = rule.first_weight_grams or 0
        unit = rule.additional_unit_grams or 1
        beyond = max(0, weight_grams - first)
        units = -(-beyond // unit)  # each unit begun counts whole
        base = (rule.price or ZERO) + units * (rule.additional_unit_price or ZERO)
    return (base + rule.surcharge).quantize(CENT, rounding=ROUND_HALF_UP)


def parcel_weight_grams(*, items: Iterable[tuple[int | None, int]]) -> int:
    """The parcel's weight from (variant weight or None, quantity) pairs; None counts as the default."""
    default = settings.SHIPPING_DEFAULT_WEIGHT_GRAMS
    return sum((weight if weight is not None else default) * quantity for weight, quantity in items)


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes, as far as rates tell places apart; ``province_code`` only in mainland China."""

    country: str
    province_code: str = ""

    @property
    def is_known(self) -> bool:
        """Whether a zone can be told: a country, and for mainland China its province."""
        if not self.country:
            return False
        return self.country != "CN" or bool(self.province_code)


@dataclass(frozen=True)
class ZoneRates:
    """A zone's places and the rate of each method that has one there."""

    zone_id: int
    name: str
    provinces: frozenset[str]
    countries: frozenset[str]
    rates: dict[int, RateRule] = field(default_factory=dict)

    def holds(self, destination: Destination) -> bool:
        if destination.country == "CN" and destination.province_code in self.provinces:
            return True
        return destination.country in self.countries


@dataclass(frozen=True)
class ShippingRateTable:
    """Every zone in order (the first that holds an address is its zone) and the methods with rates."""

    zones: tuple[ZoneRates, ...] = ()
    rated_method_ids: frozenset[int] = frozenset()

    def zone_for(self, destination: Destination) -> ZoneRates | None:
        """The first zone, by position, that holds the destination; None for none."""
        return next((zone for zone in self.zones if zone.holds(destination)), None)

    def price_for(
        self,
        *,
        method_id: int,
        flat: Decimal,
        destination: Destination,
        weight_grams: int,
        goods_total: Decimal,
    ) -> Decimal | None:
        """What the method costs there; ``flat`` (its price, threshold applied) for one without rates.

        None when the method does not deliver there: it has rates, and none that delivers in the
        destination's zone (or the destination is in no zone).
        """
        if method_id not in self.rated_method_ids:
            return flat
        zone = self.zone_for(destination)
        rule = zone.rates.get(method_id) if zone is not None else None
        if rule is None:
            return None
        return shipping_price_compute(rule=rule, weight_grams=weight_grams, goods_total=goods_total)
