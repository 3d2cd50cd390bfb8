"""Who an email address is: the canonical form that identity is decided on.

Two spellings of one mailbox ("Ann@Example.COM", "ann@example.com") must find the same
account, orders and tickets; two different mailboxes must never. Case-insensitive
database comparisons are not safe for that: PostgreSQL's UPPER() turns the dotless i
(U+0131) of "ma\u0131l.example.com" (a different domain, anyone can register it) into "I",
so ``iexact`` would match "mail.example.com". Every table that identity is looked up in stores the
canonical form and compares it exactly (docs/architecture.md, "Security rules the code
relies on").

The canonical form: the domain in IDNA (punycode, after Unicode NFKC and case folding), in
lower case; the local part in lower case. Customers may only type addresses whose local
part (before the "@") is ASCII, as nearly every mailbox is: Unicode case folding and
compatibility mapping would merge different non-ASCII mailboxes with ASCII ones (a long
s, U+017F, becomes "s"). Mail that arrives from such an address is kept apart: its local part is
compared exactly.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def email_canonical(address: str) -> str:
    """The form of ``address`` that identity is decided on; "" for an empty address.

    The domain becomes what Django's own mail goes to: IDNA 2003 (Python's codec, which
    applies nameprep, NFKC and case folding included, to non-ASCII labels), in lower case.
    An ASCII local part is lower-cased; any other is kept exactly as it came, so it can
    never equal an ASCII one.
    """
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower() if address.isascii() else address
    # A domain the codec refuses resolves nowhere: kept as typed, so it equals no other.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    domain = domain.lower() if domain.isascii() else domain
    local = local.lower() if local.isascii() else local
    return f"{local}@{domain}"


def email_local_part_ascii_validator(value: str) -> None:
    """Refuse an address whose part before the "@" is not ASCII (see the module's docstring)."""
    local = value.strip().rpartition("@")[0]
    if not local.isascii():
        raise ValidationError(
            _("Please use an email address with only Latin letters, digits and symbols before the @."),
            code="email_local_part_not_ascii",
        )
