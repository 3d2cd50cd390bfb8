"""The checkout form: who orders, where it goes, how it ships and how it is paid."""

import hashlib
import uuid
from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cart.pricing import CartPricing
from orders.address_book import BOOK_FIELDS, CheckoutBook
from orders.exceptions import NOTHING_SHIPS_MESSAGE
from orders.forms.fapiao import FapiaoFieldsForm
from orders.forms.shipping import ShippingMethodChoiceField, ShippingTotal
from orders.models import ShippingMethod
from orders.payment_methods import payment_provider_get, payment_provider_list
from orders.selectors import shipping_method_list
from orders.services import CheckoutData
from orders.shipping_rates import Destination
from shop.addresses import ADDRESS_FIELDS, AddressForm, Country
from shop.identity import email_local_part_ascii_validator
from shop.money import format_money

# Fields holding a shopper's own details: a form pre-filled with any of them is never cached.
PERSONAL_FIELDS = (
    "email",
    "full_name",
    "phone",
    *(name for name in ADDRESS_FIELDS if name != "country"),
    "note",
    "saved_address",
    "fapiao_wanted",
    "fapiao_title",
    "fapiao_tax_number",
    "fapiao_email",
)
# The choice of "A new address" among a customer's saved ones.
NEW_ADDRESS = "new"
# The longest value kept of a field without a maximum length of its own (a choice) in a draft.
DRAFT_VALUE_MAX_LENGTH = 100

# Kept out of the checkout's draft: they describe the page that was shown, not what was typed.
DRAFT_SKIPPED = ("checkout_token", "goods_total_seen", "destination_seen")


class CheckoutForm(AddressForm, FapiaoFieldsForm):
    """Who orders, where it goes, how it ships and how it is paid."""

    field_order = ("email", "full_name", "phone", *ADDRESS_FIELDS)

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        validators=[email_local_part_ascii_validator],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    shipping_method = ShippingMethodChoiceField(
        label=_("Shipping method"),
        queryset=ShippingMethod.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        goods_total=Decimal("0.00"),
        error_messages={
            "required": _("Choose a shipping method."),
            "invalid_choice": _("That shipping method is not available; please choose another."),
        },
    )
    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a payment method."),
            "invalid_choice": _("That payment method is not available; please choose another."),
        },
    )
    note = forms.CharField(
        label=_("Note for us"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )
    checkout_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired. Please check your details and submit it again."),
            "invalid": _("This form has expired. Please check your details and submit it again."),
        },
    )
    # What the goods came to, after discounts, on the page the shopper submitted (rendered
    # from the page's pricing, never from the post): a sale or promotion that started or
    # ended since, or a price staff changed, stops the order until the new total was shown.
    goods_total_seen = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=12, decimal_places=2
    )
    # Where the page's shipping prices were for ("CN:44"; rendered from the page's own
    # destination, and kept up to date by the page's script): a shipping price depends on the
    # address, so an order whose address moved to another zone waits until its price was shown.
    destination_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    # Without it ticked the fapiao fields are ignored (they are always there without JavaScript).
    fapiao_wanted = forms.BooleanField(label=_("Request a fapiao (invoice)"), required=False)
    # A signed-in customer's saved addresses, or "A new address" (NEW_ADDRESS), whose fields are
    # then the ones used; without JavaScript they are always on the page and ignored otherwise.
    saved_address = forms.ChoiceField(
        label=_("Ship to"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": _("That address is no longer in your address book; please choose another."),
        },
    )
    address_save = forms.BooleanField(label=_("Save to my address book"), required=False, initial=True)

    def __init__(
        self,
        *args,
        pricing: CartPricing,
        book: CheckoutBook | None = None,
        weight_grams: int = 0,
        user_agent: str = "",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Some gateways cannot be paid in some browsers (WeChat Pay inside WeChat without an
        # official account): they are not offered there.
        self.user_agent = user_agent
        self.pricing = pricing
        # A guest has no book: neither field is on the page (nor in the cached guest form).
        self.book = book
        self.saved_addresses = {str(entry.id): entry for entry in book.entries} if book is not None else {}
        if self.saved_addresses:
            self.fields["saved_address"].choices = [
                *((key, entry.recipient_name) for key, entry in self.saved_addresses.items()),
                (NEW_ADDRESS, _("A new address")),
            ]
        else:
            del self.fields["saved_address"]
        if book is None or book.full:
            del self.fields["address_save"]
        self.fields["fapiao_email"].help_text = _("Leave empty to receive it at the email address above.")
        shipping = self.fields["shipping_method"]
        shipping.queryset = shipping_method_list()
        shipping.goods_total = pricing.goods_total
        shipping.free_shipping = pricing.free_shipping
        shipping.weight_grams = weight_grams
        shipping.destination = self.destination
        providers = [
            provider
            for provider in payment_provider_list()
            if provider.is_offered(countries=Country.values, user_agent=user_agent)
        ]
        self.fields["payment_method"].choices = [(provider.code, provider.name) for provider in providers]
        if not self.is_bound:
            self.initial.setdefault("checkout_token", uuid.uuid4())
            self.initial.setdefault("country", Country.CN)
            chosen = self.initial.get("shipping_method")
            offered = shipping.offered
            if str(getattr(chosen, "pk", chosen)) not in {str(method.pk) for method in offered}:
                # None chosen yet, or one that does not deliver to this address: the first that does.
                self.initial["shipping_method"] = next(iter(offered), None)
            if providers:
                self.initial.setdefault("payment_method", providers[0].code)

    @classmethod
    def draft_values(cls, data: Mapping[str, str]) -> dict[str, str]:
        """The posted values of the form's fields, unchecked and each cut to what the field takes.

        What the shopper typed, to show again when the page is left before ordering.
        """
        values = {}
        for name, field in cls.base_fields.items():
            value = data.get(name)
            if name in DRAFT_SKIPPED:
                continue
            if isinstance(field, forms.BooleanField):
                # An unticked box is not posted: kept as unticked, not as the box's default.
                values[name] = "on" if value else ""
            elif isinstance(value, str) and value:
                values[name] = value[: getattr(field, "max_length", None) or DRAFT_VALUE_MAX_LENGTH]
        return values

    @property
    def destination(self) -> Destination:
        """Where the parcel goes as far as shipping rates tell.

        The chosen saved address's country and province; else the typed (or initial) ones.
        """
        entry = self.saved_addresses.get(str(self["saved_address"].value())) if self.saved_addresses else None
        if entry is not None:
            country, province = entry.country, entry.values.get("province_code", "")
        else:
            country, province = self._value("country"), self._value("province_code")
        return Destination(country=country, province_code=province if country == "CN" else "")

    @property
    def destination_key(self) -> str:
        """The destination as the page posts it back (``destination_seen``) and its script names it."""
        destination = self.destination
        return f"{destination.country}:{destination.province_code}"

    @property
    def shipping_totals(self) -> list[ShippingTotal]:
        """The order's total with each shipping method on offer, so the shopper sees it before paying."""
        shipping = self.fields["shipping_method"]
        return [
            ShippingTotal(method=method, price=shipping.price_of(method), goods_total=shipping.goods_total)
            for method in shipping.offered
        ]

    @property
    def render_cache_key(self) -> str:
        """What the rendered fields depend on, when they may be cached; "" when they may not.

        Only an unbound form without anyone's details is cached (a guest's
        empty form): its HTML is the same for every shopper with the same
        language, shipping prices and payment methods. The checkout token and
        the CSRF token are rendered outside the cached fields.
        """
        if self.is_bound or any(self.initial.get(name) for name in PERSONAL_FIELDS):
            return ""
        parts = (
            get_language(),
            [(str(value), str(label)) for value, label in self.fields["shipping_method"].choices],
            [(str(value), str(label)) for value, label in self.fields["payment_method"].choices],
            sorted(
                (name, str(getattr(value, "pk", value)))
                for name, value in self.initial.items()
                if name != "checkout_token"
            ),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    @property
    def token_for_render(self) -> str:
        """The token to carry on: the posted one when valid, else a fresh one."""
        value = self["checkout_token"].value()
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            return str(uuid.uuid4())

    @property
    def saved_address_entries(self) -> list:
        """The saved addresses to choose from, the default first, each with whether it is chosen."""
        chosen = self["saved_address"].value() if self.saved_addresses else None
        return [(entry, str(entry.id) == chosen) for entry in self.saved_addresses.values()]

    @property
    def new_address_chosen(self) -> bool:
        """Whether the page is to ship to the typed address (always, without saved addresses)."""
        return not self.saved_addresses or self["saved_address"].value() == NEW_ADDRESS

    def _saved_address_apply(self, cleaned: dict) -> None:
        """Ship to the chosen saved address: its recipient, phone and parts replace what was typed."""
        if not self.saved_addresses or "saved_address" in self.errors:
            return
        choice = cleaned.get("saved_address")
        if not choice or choice == NEW_ADDRESS:
            # No choice posted: the page had no saved addresses yet (the first of them may have
            # been saved by this very checkout, submitted twice), so it was the typed address.
            return
        entry = self.saved_addresses[choice]
        # The new-address fields are on the page without JavaScript; whatever they hold is ignored.
        for name in ("full_name", *BOOK_FIELDS):
            self.errors.pop(name, None)
        if entry.country == Country.CN and not entry.values.get("district_code"):
            # Saved before addresses in China were chosen by district (a profile's old address):
            # couriers need the district, and the shipping price its province.
            self.add_error(
                "saved_address",
                _(
                    "This address has no district yet: edit it in your address book and choose its "
                    "province, city and district, or choose another address."
                ),
            )
        if not entry.recipient_name:
            self.add_error(
                "saved_address",
                _("This address has no recipient name: edit it in your address book, or choose another."),
            )
        cleaned.update(full_name=entry.recipient_name, phone=entry.phone, **entry.values)
        cleaned["address_save"] = False

    def clean(self) -> dict:
        cleaned = super().clean()
        self._saved_address_apply(cleaned)
        country = cleaned.get("country")
        provider = payment_provider_get(cleaned.get("payment_method", ""))
        if (
            provider is not None
            and country
            and not provider.is_available(country=country, user_agent=self.user_agent)
        ):
            self.add_error(
                "payment_method",
                _("%(method)s is not available for this country or region.") % {"method": provider.name},
            )
        if cleaned.get("fapiao_wanted"):
            # Left empty, the fapiao goes to the order's email.
            self.fapiao_errors_add(cleaned, email_required=False)
        else:
            for name in FapiaoFieldsForm.base_fields:
                self.errors.pop(name, None)
                cleaned.pop(name, None)
        shipping = self.fields["shipping_method"]
        if cleaned.get("shipping_method") is None and shipping.delivers_nowhere:
            # No choice was offered: say why, rather than ask for one.
            self.errors.pop("shipping_method", None)
            self.add_error("shipping_method", NOTHING_SHIPS_MESSAGE)
        if self.pricing.coupon_dropped:
            # The page showed the code's discount: the order waits until its new total was shown.
            self.add_error(None, self.pricing.coupon_dropped)
        seen_destination = cleaned.get("destination_seen")
        if (
            seen_destination
            and seen_destination != self.destination_key
            and self.fields["shipping_method"].has_rates
        ):
            self.add_error(
                None,
                _(
                    "The shipping price depends on the address, which changed since the prices were "
                    "shown. Please check the shipping for this address and place your order again."
                ),
            )
        seen = cleaned.get("goods_total_seen")
        if seen is not None and seen != self.pricing.goods_total and not self.pricing.coupon_dropped:
            self.add_error(
                None,
                _(
                    "Prices have changed since this page was shown: your items now come to %(now)s "
                    "(they were %(seen)s). Please check the total and place your order again."
                )
                % {"now": format_money(self.pricing.goods_total), "seen": format_money(seen)},
            )
        return cleaned

    def checkout_data(
        self, *, user: AbstractBaseUser | None, language: str, client_ip_hash: str = "", coupon_code: str = ""
    ) -> CheckoutData:
        """The validated details for orders.services.order_place, with the coupon code the page priced.

        ``coupon_code``: a code typed with the order, which replaces the page's.
        """
        data = self.cleaned_data
        fields = ("email", "full_name", "phone", *ADDRESS_FIELDS, "note", "shipping_method", "payment_method")
        return CheckoutData(
            **{name: data[name] for name in fields},
            user=user,
            language=language,
            client_ip_hash=client_ip_hash,
            coupon_code=coupon_code or self.pricing.coupon_code,
            fapiao=self.fapiao_data(default_email=data["email"]) if data.get("fapiao_wanted") else None,
            address_save=bool(data.get("address_save")),
            shipping_total_seen=self.fields["shipping_method"].price_of(data["shipping_method"]),
        )
