"""One postal address for the whole shop: the countries we ship to, one phone rule, one set of checks.

Checkout, the customer's profile and orders all hold the same address parts; the rules live
here so an address saved in the profile is never refused at checkout. A mainland Chinese
address is chosen as province, city and district from the division data (shop.divisions);
others keep a free-text region, with the postal code checked where its format is known.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from django import forms
from django.db import models
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from shop.phones import phone_display, phone_parse


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
DISTRICT_MAX_LENGTH = 100
DIVISION_CODE_MAX_LENGTH = 6
POSTAL_CODE_MAX_LENGTH = 20
ADDRESS_LINE_MAX_LENGTH = 200
# The parts of a postal address (the phone and name travel beside it).
ADDRESS_FIELDS = (
    "country",
    "province",
    "city",
    "district",
    "province_code",
    "city_code",
    "district_code",
    "postal_code",
    "address_line1",
    "address_line2",
)
# The fields a mainland Chinese address is chosen with, large to small.
DIVISION_FIELDS = ("province_code", "city_code", "district_code")


@dataclass(frozen=True)
class PostalCodeFormat:
    pattern: str
    example: str
    # Whether letters are read in capitals (British and Canadian codes).
    upper: bool = False


# Where the format is known; a country missing here takes any postal code.
POSTAL_CODE_FORMATS = {
    Country.CN: PostalCodeFormat(r"[0-9]{6}", "310000"),
    Country.SG: PostalCodeFormat(r"[0-9]{6}", "018956"),
    Country.JP: PostalCodeFormat(r"[0-9]{3}-?[0-9]{4}", "100-0001"),
    Country.KR: PostalCodeFormat(r"[0-9]{5}", "04524"),
    Country.AU: PostalCodeFormat(r"[0-9]{4}", "2000"),
    Country.CA: PostalCodeFormat(
        r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]", "K1A 0B1", True
    ),
    Country.DE: PostalCodeFormat(r"[0-9]{5}", "10115"),
    Country.FR: PostalCodeFormat(r"[0-9]{5}", "75001"),
    Country.GB: PostalCodeFormat(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", "SW1A 1AA", True),
    Country.US: PostalCodeFormat(r"[0-9]{5}(-[0-9]{4})?", "94301"),
}
# Where addresses have no postal code at all.
COUNTRIES_WITHOUT_POSTAL_CODE = frozenset({Country.HK, Country.MO})


def postal_code_clean(*, country: str, postal_code: str) -> str:
    """The postal code as stored (trimmed, capitals where the format has letters), or ValidationError.

    A blank code is accepted everywhere (the address form decides whether one is needed).
    """
    code = " ".join(postal_code.split())
    if not code:
        return ""
    if country in COUNTRIES_WITHOUT_POSTAL_CODE:
        raise forms.ValidationError(
            _("Addresses in %(country)s have no postal code; please leave this empty.")
            % {"country": Country(country).label},
            code="no_postal_code",
        )
    known = POSTAL_CODE_FORMATS.get(country)
    if known is None:
        return code
    if known.upper:
        code = code.upper()
    if not re.fullmatch(known.pattern, code):
        raise forms.ValidationError(
            _("Enter a postal code in the format used in %(country)s, for example %(example)s.")
            % {"country": Country(country).label, "example": known.example},
            code="invalid",
        )
    return code


class PostalAddress(models.Model):
    """The phone and postal address that a customer's profile and an order both hold (no table of its own).

    Every part may be blank at this level: checkout requires the phone, city and street
    through ``AddressForm``, and a profile may leave the whole address empty.
    """

    # E.164 (+8613800138000), checked by shop.phones; phones saved before that rule stay as typed.
    phone = models.CharField(_("phone"), max_length=PHONE_MAX_LENGTH, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.CN)
    province = models.CharField(_("province or state"), max_length=PROVINCE_MAX_LENGTH, blank=True)
    city = models.CharField(_("city"), max_length=CITY_MAX_LENGTH, blank=True)
    # Mainland China: the district's name, and the division codes of the three levels (the names
    # above are their snapshot). Blank in addresses saved before divisions were chosen.
    district = models.CharField(_("district"), max_length=DISTRICT_MAX_LENGTH, blank=True)
    province_code = models.CharField(_("province code"), max_length=DIVISION_CODE_MAX_LENGTH, blank=True)
    city_code = models.CharField(_("city code"), max_length=DIVISION_CODE_MAX_LENGTH, blank=True)
    district_code = models.CharField(_("district code"), max_length=DIVISION_CODE_MAX_LENGTH, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=POSTAL_CODE_MAX_LENGTH, blank=True)
    address_line1 = models.CharField(_("address"), max_length=ADDRESS_LINE_MAX_LENGTH, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=ADDRESS_LINE_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        """The postal address as every page, email and packing slip prints it, one line each.

        A mainland Chinese address reads from large to small on one line (province, city,
        district, street, second line), then the postal code and the country; others read
        street, second line, "city, province postal code", country. Empty parts are left out,
        so an address saved before districts were asked for still reads well.
        """
        if self.country == Country.CN:
            parts = (self.province, self.city, self.district, self.address_line1, self.address_line2)
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


# The name of the buttons that show the next level's choices when JavaScript is off.
ADDRESS_STEP = "address_step"


class DivisionSelect(forms.Select):
    """A select of divisions whose options the form sets per request (the level above decides them)."""


def _division(label: str, autocomplete: str) -> forms.CharField:
    # A plain field: every check of the code, made-up ones included, is the division path's.
    return forms.CharField(
        label=label,
        required=False,
        widget=DivisionSelect(attrs={"autocomplete": autocomplete}),
    )


def _division_choices(*, prompt: str, read: Callable[[], list]) -> list[tuple[str, str]]:
    return [("", prompt), *((division.code, division.name) for division in read())]


class AddressForm(forms.Form):
    """A phone number and a postal address, checked the same way wherever they are entered.

    With ``address_required`` (checkout) the phone and street are required, and the city (or,
    in mainland China, the province, city and district); without it (the profile) the address
    may be left empty as a whole, but a partial one is refused. A Chinese address is chosen
    from the divisions and checked against them; a postal code is checked where its format is
    known. Subclasses add their own fields and set ``field_order``.
    """

    address_required = True

    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX_LENGTH,
        required=False,
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    country = forms.ChoiceField(
        label=_("Country or region"),
        choices=Country.choices,
        initial=Country.CN,
        widget=forms.Select(attrs={"autocomplete": "country"}),
        error_messages={"invalid_choice": _("Choose a country or region from the list.")},
    )
    province_code = _division(_("Province"), "address-level1")
    city_code = _division(_("City"), "address-level2")
    district_code = _division(_("District"), "address-level3")
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

    @classmethod
    def typed_values(cls, data) -> dict[str, str]:
        """The posted values of the form's fields, unchecked: to show the form again as it was typed."""
        return {name: data[name] for name in cls.base_fields if isinstance(data.get(name), str)}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.address_required:
            for name in ("phone", "address_line1"):
                self.fields[name].required = True
        if not self.is_bound and (phone := self.initial.get("phone")):
            # A saved phone (E.164) is offered as people write it in the address's country.
            country = self.initial.get("country") or Country.CN
            self.initial = {**self.initial, "phone": phone_display(phone=phone, country=country)}
        self._division_choices_set()

    def _value(self, name: str) -> str:
        """What the field holds on this page: the posted value, else the initial one."""
        value = self[name].value()
        return value if isinstance(value, str) else ""

    @property
    def is_china(self) -> bool:
        """Whether the page shows the mainland Chinese fields (the country chosen, or the default)."""
        return self._value("country") == Country.CN

    def _division_choices_set(self) -> None:
        # Imported here: shop.models imports this module for PostalAddress.
        from shop.divisions import division_children_list, division_province_list

        province, city = self._value("province_code"), self._value("city_code")
        if not (province and city.startswith(province)):
            # A city left from another province: its districts are not offered (codes nest by prefix).
            city = ""
        levels = (
            ("province_code", _("Choose a province"), division_province_list),
            ("city_code", _("Choose a city"), partial(division_children_list, code=province)),
            ("district_code", _("Choose a district"), partial(division_children_list, code=city)),
        )
        for name, prompt, read in levels:
            # Read when the select is first rendered, once: a page whose fields come from the
            # cache, or a post that is only checked, reads no list.
            self.fields[name].widget.choices = CallableChoiceIterator(
                cache(partial(_division_choices, prompt=prompt, read=read))
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        self._phone_clean(cleaned)
        country = cleaned.get("country")
        china = country == Country.CN
        parts = DIVISION_FIELDS if china else ("province", "city")
        typed = [
            name for name in (*parts, "postal_code", "address_line1", "address_line2") if cleaned.get(name)
        ]
        if not self.address_required and not typed:
            self._address_clear(cleaned)
            return cleaned
        if not self.address_required:
            # A partial address would fail at checkout; ask for the parts a parcel needs.
            for name in ("address_line1", *(() if china else ("city",))):
                if name in cleaned and not cleaned[name]:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Enter the street address and city, or leave the whole address empty."),
                            code="required",
                        ),
                    )
        if china:
            self._divisions_clean(cleaned)
        else:
            if self.address_required and "city" in cleaned and not cleaned["city"]:
                self.add_error("city", forms.ValidationError(_("Enter the city."), code="required"))
            cleaned.update(district="", province_code="", city_code="", district_code="")
        if country and cleaned.get("postal_code"):
            try:
                cleaned["postal_code"] = postal_code_clean(
                    country=country, postal_code=cleaned["postal_code"]
                )
            except forms.ValidationError as error:
                self.add_error("postal_code", error)
        return cleaned

    def _phone_clean(self, cleaned: dict) -> None:
        # Read in the address's country: a number typed without + belongs there.
        if not cleaned.get("phone") or not cleaned.get("country"):
            return
        try:
            cleaned["phone"] = phone_parse(phone=cleaned["phone"], country=cleaned["country"])
        except forms.ValidationError as error:
            self.add_error("phone", error)

    def _divisions_clean(self, cleaned: dict) -> None:
        from shop.divisions import division_path_check  # shop.models imports this module

        try:
            path = division_path_check(
                province=cleaned.get("province_code", ""),
                city=cleaned.get("city_code", ""),
                district=cleaned.get("district_code", ""),
            )
        except forms.ValidationError as error:
            # One message per level, on its select.
            self.add_error(None, {f"{level}_code": messages for level, messages in error.error_dict.items()})
            return
        # The names are the snapshot of what was chosen, never what was typed beside it.
        cleaned.update(
            province=path.province.name,
            city=path.city.name,
            district=path.district.name,
            province_code=path.province.code,
            city_code=path.city.code,
            district_code=path.district.code,
        )

    @staticmethod
    def _address_clear(cleaned: dict) -> None:
        cleaned.update(province="", city="", district="", province_code="", city_code="", district_code="")
