"""The unified social credit code (统一社会信用代码, GB 32100-2015): a company's taxpayer number.

18 characters from a 31-character alphabet (digits and upper-case letters without I, O, S, V
and Z); the last is a check character computed from the other 17 with fixed weights.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_LENGTH = 18
# The weight of each of the first 17 positions: 3 ** i modulo 31.
CREDIT_CODE_WEIGHTS = tuple(pow(3, position, 31) for position in range(CREDIT_CODE_LENGTH - 1))


def credit_code_normalise(value: str) -> str:
    """The code as stored: spaces and hyphens dropped, full-width characters made ASCII, upper case."""
    ascii_value = "".join(
        chr(ord(char) - 0xFEE0) if "\uff01" <= char <= "\uff5e" else char for char in value or ""
    )
    return "".join(char for char in ascii_value if char not in " -\u3000\t").upper()


def credit_code_check_character(body: str) -> str:
    """The check character of a code's first 17 characters (all in the alphabet)."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_validate(value: str) -> None:
    """Raise ValidationError unless ``value`` (normalised) is a code whose check character is right."""
    code = credit_code_normalise(value)
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("A taxpayer identification number has 18 characters (this one has %(count)d)."),
            code="credit_code_length",
            params={"count": len(code)},
        )
    if any(char not in CREDIT_CODE_ALPHABET for char in code):
        raise ValidationError(
            _(
                "A taxpayer identification number holds only digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="credit_code_characters",
        )
    if credit_code_check_character(code[:-1]) != code[-1]:
        raise ValidationError(
            _(
                "This taxpayer identification number is not valid: "
                "please check it against your business licence."
            ),
            code="credit_code_check",
        )
