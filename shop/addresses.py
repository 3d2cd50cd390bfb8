"""One postal address for the whole shop: the countries we ship to, one phone rule, one set of checks.

Checkout, the customer's profile and orders all hold the same address parts; the rules live
here so an address saved in the profile is never refused at checkout.
"""

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    CN = "CN", _("China (mainland)")
    HK = "HK", _("Hong Kong SAR, China")
    MO = "MO", _("Macao SAR, China")
    SG = "SG", _("Singapore")
    JP = "JP", _("Japan")
    KR = "KR", _("South Korea")
    AU = "AU", _("Australia")
    CA = "CA", _("Canada")
    DE = "DE", _("Germany")
    FR = "FR", _("France")
    GB = "GB", _("United Kingdom")
    US = "US", _("United States")


PHONE_MAX_LENGTH = 32
PROVINCE_MAX_LENGTH = 100
CITY_MAX_LENGTH = 100
POSTAL_CODE_MAX_LENGTH = 20
ADDRESS_LINE_MAX_LENGTH = 200
# The parts of a postal address (the phone and name travel beside it).
ADDRESS_FIELDS = ("country", "province", "city", "postal_code", "address_line1", "address_line2")

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-]{5,30}$",
    _("Enter a phone number using digits, spaces, brackets, dashes and an optional leading +."),
)
cn_postal_code_validator = RegexValidator(r"^[0-9]{6}$", _("A postal code in China has six digits."))


class PostalAddress(models.Model):
    """The phone and postal address that a customer's profile and an order both hold (no table of its own).

    Every part may be blank at this level: checkout requires the phone, city and street
    through ``AddressForm``, and a profile may leave the whole address empty.
    """

    phone = models.CharField(
        _("phone"), max_length=PHONE_MAX_LENGTH, blank=True, validators=[phone_validator]
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.CN)
    province = models.CharField(_("province or state"), max_length=PROVINCE_MAX_LENGTH, blank=True)
    city = models.CharField(_("city"), max_length=CITY_MAX_LENGTH, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=POSTAL_CODE_MAX_LENGTH, blank=True)
    address_line1 = models.CharField(_("address"), max_length=ADDRESS_LINE_MAX_LENGTH, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=ADDRESS_LINE_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        """The postal address as every page, email and packing slip prints it, one line each.

        A mainland Chinese address reads from large to small on one line (province, city,
        street, second line), then the postal code and the country; others read street,
        second line, "city, province postal code", country. Empty parts are left out.
        """
        if self.country == Country.CN:
            parts = (self.province, self.city, self.address_line1, self.address_line2)
            lines = (" ".join(part for part in parts if part), self.postal_code, self.get_country_display())
        else:
            locality = ", ".join(part for part in (self.city, self.province) if part)
            if self.postal_code:
                locality = f"{locality} {self.postal_code}".strip()
            lines = (self.address_line1, self.address_line2, locality, self.get_country_display())
        return [line for line in lines if line]


class TelInput(forms.TextInput):
    """A phone number field: phones show their number keypad."""

    input_type = "tel"


def _text(label: str, max_length: int, autocomplete: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class AddressForm(forms.Form):
    """A phone number and a postal address, checked the same way wherever they are entered.

    With ``address_required`` (checkout) the phone, city and street are required; without
    it (the profile) the address may be left empty as a whole, but a partial one is refused.
    Either way a Chinese address needs its province, and its postal code, when given, has six
    digits. Subclasses add their own fields and set ``field_order``.
    """

    address_required = True

    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX_LENGTH,
        required=False,
        validators=[phone_validator],
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    country = forms.ChoiceField(
        label=_("Country or region"),
        choices=Country.choices,
        initial=Country.CN,
        widget=forms.Select(attrs={"autocomplete": "country"}),
        error_messages={"invalid_choice": _("Choose a country or region from the list.")},
    )
    province = _text(_("Province or state"), PROVINCE_MAX_LENGTH, "address-level1")
    city = _text(_("City"), CITY_MAX_LENGTH, "address-level2")
    postal_code = _text(_("Postal code"), POSTAL_CODE_MAX_LENGTH, "postal-code")
    address_line1 = _text(_("Address"), ADDRESS_LINE_MAX_LENGTH, "address-line1")
    address_line2 = _text(
        _("Address line 2"),
        ADDRESS_LINE_MAX_LENGTH,
        "address-line2",
        help_text=_("Apartment, floor, company"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.address_required:
            for name in ("phone", "city", "address_line1"):
                self.fields[name].required = True

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.address_required and not any(cleaned.get(name) for name in ADDRESS_FIELDS[1:]):
            return cleaned
        if not self.address_required:
            # A partial address would fail at checkout; ask for the parts a parcel needs.
            for name in ("address_line1", "city"):
                if name in cleaned and not cleaned[name]:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Enter the street address and city, or leave the whole address empty."),
                            code="required",
                        ),
                    )
        if cleaned.get("country") == Country.CN:
            if "province" in cleaned and not cleaned["province"]:
                self.add_error("province", forms.ValidationError(_("Enter the province."), code="required"))
            if cleaned.get("postal_code"):
                try:
                    cn_postal_code_validator(cleaned["postal_code"])
                except forms.ValidationError as error:
                    self.add_error("postal_code", error)
        return cleaned
