"""The checkout's shipping method choice and the order's total with each method."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext

from orders.models import ShippingMethod
from orders.selectors import shipping_rate_table_get
from orders.shipping_rates import Destination, ShippingRateTable
from shop.money import format_money


class _ListedChoiceIterator(ModelChoiceIterator):
    # Django's iterator runs a fresh query (through a server-side cursor) each
    # time the choices are rendered; the field's methods were read once already.
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for method in self.field.offered:
            yield self.choice(method)

    def __len__(self) -> int:
        return len(self.field.offered) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.offered)


@dataclass(frozen=True)
class ShippingTotal:
    """What the order costs with one shipping method: the goods after discounts, and the shipping."""

    method: ShippingMethod
    price: Decimal | None  # after a free-shipping coupon; None until the destination is known
    goods_total: Decimal

    @property
    def total(self) -> Decimal | None:
        return None if self.price is None else self.goods_total + self.price


class ShippingMethodChoiceField(forms.ModelChoiceField):
    """The active shipping methods that deliver to the destination, labelled with their price.

    The methods are read in one query per form; the zones and rates in one more, and only
    when some method is priced by zone and the choices are shown. A posted method is
    accepted here if it is active: placing the order decides, with the rates as they are
    then, whether it delivers to the address (and refuses the order if not).
    """

    iterator = _ListedChoiceIterator

    def __init__(
        self,
        *args,
        goods_total: Decimal,
        free_shipping: bool = False,
        weight_grams: int = 0,
        destination: Destination | None = None,
        **kwargs,
    ) -> None:
        self.goods_total = goods_total
        self.free_shipping = free_shipping
        self.weight_grams = weight_grams
        self.destination = destination or Destination(country="")
        self._rate_table: ShippingRateTable | None = None
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._rate_table = None
        return copy

    @property
    def has_rates(self) -> bool:
        """Whether some method is priced by zone (so the destination decides what is offered)."""
        return any(getattr(method, "has_rates", False) for method in self.methods)

    @property
    def rate_table(self) -> ShippingRateTable:
        """The zones and rates, read once per form, and only when some method has rates."""
        if self._rate_table is None:
            self._rate_table = shipping_rate_table_get() if self.has_rates else ShippingRateTable()
        return self._rate_table

    def _delivery_price(self, method: ShippingMethod) -> Decimal | None:
        return self.rate_table.price_for(
            method_id=method.pk,
            flat=method.price_for(self.goods_total),
            destination=self.destination,
            weight_grams=self.weight_grams,
            goods_total=self.goods_total,
        )

    def price_of(self, method: ShippingMethod) -> Decimal | None:
        """What shipping with ``method`` costs for this cart and destination, after a free-shipping coupon.

        None when the method is priced by zone and the destination is not known yet.
        """
        if getattr(method, "has_rates", False) and not self.destination.is_known:
            return None
        price = self._delivery_price(method)
        if price is None:
            return None
        return Decimal("0.00") if self.free_shipping else price

    @property
    def methods(self) -> list[ShippingMethod]:
        """The queryset's methods, read once (rendering and validation share them)."""
        return list(self.queryset)  # evaluated once: the queryset caches its rows

    @property
    def offered(self) -> list[ShippingMethod]:
        """The methods shown: those that deliver to the destination, or all while it is not known."""
        if not self.has_rates:
            return self.methods
        if not self.destination.is_known:
            return self.methods
        return [method for method in self.methods if self._delivery_price(method) is not None]

    @property
    def awaits_destination(self) -> bool:
        """Whether some method's price waits for the province (or country) to be chosen."""
        return self.has_rates and not self.destination.is_known

    @property
    def delivers_nowhere(self) -> bool:
        """Whether the destination is known and no method delivers there."""
        return bool(self.methods) and self.destination.is_known and not self.offered

    def to_python(self, value) -> ShippingMethod | None:
        if value in self.empty_values:
            return None
        chosen = str(value.pk if isinstance(value, ShippingMethod) else value)
        for method in self.methods:
            if str(method.pk) == chosen:
                return method
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def label_from_instance(self, method: ShippingMethod) -> str:
        price = self.price_of(method)
        label = gettext(method.name)
        if price is None:
            return gettext("%(method)s: price shown once you choose your province") % {"method": label}
        if price == 0:
            return gettext("%(method)s: free") % {"method": label}
        return gettext("%(method)s: %(price)s") % {"method": label, "price": format_money(price)}
