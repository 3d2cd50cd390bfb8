"""Walking a message's MIME parts: the leaf parts, their text, file names and attached messages.

File names and bodies are decoded here with ``charsets``, never with the
``email`` package's own decoding, which fails on the charsets real clients send.
"""

from collections.abc import Iterator
from email.message import Message
from email.utils import unquote

from support.inbound.charsets import header_decode, text_decode


def leaves(part: Message) -> Iterator[Message]:
    """The non-multipart parts of this message, in order, not descending into attached messages."""
    # Not Message.walk(): that descends into attached messages (a forwarded
    # mail, the original inside a bounce), whose parts are not ours.
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            yield from leaves(sub)
    else:
        yield part


def part_filename(part: Message) -> str:
    """The file name a part declares, decoded, or ""."""
    # Filenames come RFC 2231- or RFC 2047-encoded, in any charset, or raw.
    # Read the raw parameter and decode it ourselves (GBK names included).
    compat = Message()
    for name, value in part.raw_items():
        if name.lower() in ("content-disposition", "content-type"):
            compat[name] = value
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = compat.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):
            charset, _language, text = value
            return text_decode(bytes(text, "raw-unicode-escape"), charset or "utf-8")
        return header_decode(unquote(value))
    return ""


def is_attachment(part: Message) -> bool:
    """Whether a part is meant as a file: marked as an attachment, or carrying a file name."""
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or bool(part_filename(part))


def part_text(part: Message) -> str:
    """A text part's content, decoded from its declared (possibly wrong) charset."""
    data = part.get_payload(decode=True) or b""
    return text_decode(data, part.get_content_charset())


def attached_message(part: Message) -> Message | None:
    """The message inside a ``message/rfc822`` part, or None."""
    payload = part.get_payload()
    return payload[0] if isinstance(payload, list) and payload else None
