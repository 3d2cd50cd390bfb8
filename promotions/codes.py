"""Coupon codes: the one canonical form a code is stored and looked up in, and random new ones."""

import secrets
import unicodedata

# Letters and digits that cannot be mistaken for one another when read aloud or off a card.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_MAX_LENGTH = 40
CODE_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def coupon_code_canonical(code: str) -> str:
    """The form a code is stored in: trimmed, full-width characters made ASCII, upper case.

    Full-width letters and digits (typed with a Chinese input method) become their ASCII
    forms first, so "save20" typed in full-width letters finds SAVE20. A code with anything but ASCII letters,
    digits, "-" and "_" left has no canonical form: "" is returned, and matches no coupon.
    Upper-casing happens only once the text is ASCII, so no letter folds into another.
    """
    text = unicodedata.normalize("NFKC", code).strip()
    if not text.isascii():
        return ""
    text = text.upper()
    if not text or len(text) > CODE_MAX_LENGTH or not set(text) <= CODE_ALLOWED:
        return ""
    return text


def coupon_code_random(*, prefix: str = "", length: int = 8) -> str:
    """A random code from CODE_ALPHABET, after ``prefix`` (already canonical)."""
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
