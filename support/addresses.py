"""Support's own mail addresses: the reply address of a ticket, our Message-IDs, who "we" are."""

import re
from email.utils import getaddresses, make_msgid, parseaddr

from django.conf import settings


def _support_address() -> tuple[str, str]:
    """(local part, domain) of SUPPORT_EMAIL, lowercased."""
    address = parseaddr(settings.SUPPORT_EMAIL)[1].lower()
    local, _at, domain = address.rpartition("@")
    return local or "support", domain or "localhost"


def reply_domain() -> str:
    """The domain of reply addresses and of the Message-IDs we make."""
    return (settings.SUPPORT_REPLY_DOMAIN or _support_address()[1]).lower()


def reply_address(*, token: str) -> str:
    """``support+<token>@<domain>``: mail to it lands in the support mailbox and names its ticket."""
    local, _domain = _support_address()
    return f"{local}+{token}@{reply_domain()}"


def token_from_address(address: str) -> str | None:
    """The ticket token in a plus-address of ours, or None for any other address."""
    local, _domain = _support_address()
    match = re.fullmatch(
        rf"{re.escape(local)}\+([0-9a-z]+)@{re.escape(reply_domain())}", address.strip().lower()
    )
    return match.group(1) if match else None


def message_id_make() -> str:
    """A new Message-ID on our domain, made before the mail is sent so it can be stored first."""
    return make_msgid(domain=reply_domain())


def own_addresses() -> frozenset[str]:
    """Every address our own mail comes from: mail from them is never answered (no loops)."""
    configured = [
        settings.SUPPORT_EMAIL,
        settings.SUPPORT_FROM_EMAIL,
        settings.DEFAULT_FROM_EMAIL,
        settings.SERVER_EMAIL,
    ]
    return frozenset(address.lower() for _name, address in getaddresses(configured) if address)


def address_is_own(address: str) -> bool:
    """Whether ``address`` is one of ours, a ticket reply address included."""
    address = address.strip().lower()
    return address in own_addresses() or token_from_address(address) is not None
