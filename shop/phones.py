"""The shop's one phone rule: numbers parsed with phonenumbers, stored in E.164, shown in national format.

Checkout and the profile (through shop.addresses.AddressForm) check phones with
``phone_parse``; pages, emails and the admin show them with ``phone_display``.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

CHINA_COUNTRY_CODE = 86
CHINA_MOBILE_DIGITS = 11
CHINA_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

CHINA_MOBILE_MESSAGE = _(
    "Enter a mainland China mobile number of 11 digits, for example 138 0013 8000 (with or without +86)."
)
INVALID_MESSAGE = _(
    "Enter a phone number that is valid in the country or region of the address, "
    "or start it with + and the country code."
)


def phone_parse(*, phone: str, country: str) -> str:
    """The phone in E.164 (``+8613800138000``), or ValidationError with a message for the shopper.

    ``country`` (an address's ISO code) is the region a number without ``+`` belongs to. A
    mainland Chinese number (+86) must be a valid 11-digit mobile, and so must the phone of an
    address in mainland China (its couriers text and call a Chinese mobile); any other number,
    valid by its own country's rules. Spaces, dashes and brackets may be typed. A blank phone
    stays blank.
    """
    text = phone.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, country or None)
    except NumberParseException as error:
        raise ValidationError(INVALID_MESSAGE, code="invalid") from error
    if number.country_code == CHINA_COUNTRY_CODE or country == "CN":
        if not (
            phonenumbers.is_valid_number(number)
            and len(str(number.national_number)) == CHINA_MOBILE_DIGITS
            and phonenumbers.number_type(number) in CHINA_MOBILE_TYPES
        ):
            raise ValidationError(CHINA_MOBILE_MESSAGE, code="not_mobile")
    elif not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_normalised(*, phone: str, country: str) -> str | None:
    """``phone_parse``'s E.164 form of a stored phone, or None when the rule refuses it (kept as typed)."""
    try:
        return phone_parse(phone=phone, country=country)
    except ValidationError:
        return None


def phone_display(*, phone: str, country: str = "") -> str:
    """A stored phone as people read it: national format in its own country, international elsewhere.

    A phone stored before numbers were checked (not E.164) shows as it was typed.
    """
    if not phone.startswith("+"):
        return phone
    try:
        number = phonenumbers.parse(phone, None)
    except NumberParseException:
        return phone
    same_country = phonenumbers.region_code_for_number(number) == country
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL
    )


def phone_rows_normalise(*, model: type, batch_size: int = 1000) -> int:
    """Store in E.164 each phone of ``model``'s rows that the rule accepts; returns how many changed.

    Read in each row's own country. Phones the rule refuses stay as typed (they still display);
    running it again changes nothing. Takes ``model`` so a migration passes its historical model.
    """
    changed: list = []
    total = 0
    rows = model.objects.exclude(phone="").only("pk", "phone", "country").order_by("pk")
    for row in rows.iterator(chunk_size=batch_size):
        e164 = phone_normalised(phone=row.phone, country=row.country)
        if e164 is not None and e164 != row.phone:
            row.phone = e164
            changed.append(row)
        if len(changed) >= batch_size:
            model.objects.bulk_update(changed, ["phone"])
            total, changed = total + len(changed), []
    if changed:
        model.objects.bulk_update(changed, ["phone"])
    return total + len(changed)
