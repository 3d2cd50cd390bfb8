"""Headers of a parsed message, read from their raw values: addresses, Message-IDs, the subject.

Raw values rather than the ``email`` package's decoded ones, because that
decoding raises or guesses wrong on the broken headers real clients send;
``charsets`` decodes them defensively instead.
"""

import hashlib
import re
from email.message import Message
from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from support.inbound.charsets import eight_bit_fixed, header_decode

MAX_MESSAGE_ID_LENGTH = 900

_MSGID = re.compile(r"<([^<>\s]+)>")
# Reply prefixes in English and Chinese clients, and our own reference.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|回复|回覆|答复|转发|轉寄)\s*(?:\[\d+\])?\s*[:\uff1a]|\[T-\d+\])\s*",
    re.IGNORECASE,
)


def raw_headers(message: Message) -> list[tuple[str, str]]:
    """Every (name, raw value) header pair of the message, in order."""
    return [(name, str(value)) for name, value in message.raw_items()]


def raw_header_all(message: Message, name: str) -> list[str]:
    """The raw values of every header with this name (any case)."""
    lowered = name.lower()
    return [value for header, value in raw_headers(message) if header.lower() == lowered]


def raw_header(message: Message, name: str) -> str:
    """The raw value of the first header with this name (any case), or ""."""
    return next(iter(raw_header_all(message, name)), "")


def _valid_address(address: str) -> bool:
    if len(address) > 254:
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of these headers, valid addresses only, each once."""
    values = []
    for name in names:
        values += [eight_bit_fixed(value) for value in raw_header_all(message, name)]
    seen: set[str] = set()
    found = []
    for display_name, address in getaddresses(values):
        address = address.strip()
        if not address or address.lower() in seen or not _valid_address(address):
            continue
        seen.add(address.lower())
        found.append((header_decode(display_name), address))
    return found


def address_list(message: Message, *names: str) -> list[str]:
    """The valid addresses of these headers, each once, without display names."""
    return [address for _name, address in addresses(message, *names)]


def message_ids(value: str) -> list[str]:
    """Every ``<id>`` in a header value (In-Reply-To, References), overlong ones left out."""
    return [f"<{found}>" for found in _MSGID.findall(value) if len(found) < MAX_MESSAGE_ID_LENGTH]


def own_message_id(message: Message, raw: bytes) -> str:
    """The message's own Message-ID, or one made from its bytes when it has no usable one."""
    header = raw_header(message, "Message-ID")
    found = message_ids(header)
    if found:
        return found[0]
    bare = header.strip()
    if bare and "@" in bare and len(bare) < MAX_MESSAGE_ID_LENGTH and not any(c.isspace() for c in bare):
        return f"<{bare}>"
    # No usable Message-ID: one made from the bytes still makes a redelivery a duplicate.
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def content_id(part: Message) -> str:
    """A MIME part's Content-ID with its angle brackets removed, or ""."""
    found = _MSGID.findall(raw_header(part, "Content-ID"))
    return found[0] if found else ""


def subject_clean(subject: str) -> str:
    """The subject without Re:/Fwd:/回复: prefixes and our own [T-1042], for a ticket's title."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _SUBJECT_PREFIX.sub("", subject)
    return subject.strip()
