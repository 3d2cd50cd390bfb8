"""Reading inbound mail (E2, E3): raw RFC 822 bytes in, a ``ParsedEmail`` out.

Knows nothing about the mailbox (the commands fetch) nor the database
(``support.services.ticket_ingest_email`` stores). Mail from outside is
hostile: HTML is sanitised, attachments are held to size and type limits, and
every header is decoded defensively, because real clients get charsets wrong.
"""

import base64
import binascii
import hashlib
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, unquote
from html.parser import HTMLParser

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from support.addresses import address_is_own
from support.exceptions import MalformedEmail

# Declared charsets that Python decodes wrongly or not at all. GB2312 mail from
# Chinese clients routinely holds GBK-only characters (Python's gb2312 codec
# fails on them), so every GB charset is read as GB18030, their superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_UNDECLARED = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default", "8bit"}

AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
# Present at all (whatever the value) on automatic mail.
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id")
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MSGID = re.compile(r"<([^<>\s]+)>")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Reply prefixes in English and Chinese clients, and our own reference.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|回复|回覆|答复|转发|轉寄)\s*(?:\[\d+\])?\s*[:\uff1a]|\[T-\d+\])\s*",
    re.IGNORECASE,
)
MAX_MESSAGE_ID_LENGTH = 900
MAX_RAW_HEADERS = 64 * 1024


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    is_inline: bool = False


@dataclass
class ParsedEmail:
    """What one inbound message says, decoded: enough to file it without looking at the raw bytes again."""

    message_id: str
    from_email: str
    from_name: str = ""
    subject: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    to_emails: list[str] = field(default_factory=list)
    cc_emails: list[str] = field(default_factory=list)
    # Where the mail server says it delivered the message (Delivered-To, X-Original-To).
    delivered_to: list[str] = field(default_factory=list)
    text: str = ""
    reply_text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    dropped_attachments: list[str] = field(default_factory=list)
    is_auto: bool = False
    is_bounce: bool = False
    flag_reason: str = ""
    # For a bounce: the Message-IDs of our mail that bounced, from the report.
    bounced_message_ids: list[str] = field(default_factory=list)
    raw_headers: str = ""
    language: str = "en"

    @property
    def thread_message_ids(self) -> list[str]:
        """Message-IDs this mail answers, most specific first: In-Reply-To, then References newest first."""
        seen: list[str] = []
        for message_id in [*self.bounced_message_ids, *self.in_reply_to, *reversed(self.references)]:
            if message_id not in seen:
                seen.append(message_id)
        return seen

    @property
    def recipient_addresses(self) -> list[str]:
        return [*self.delivered_to, *self.to_emails, *self.cc_emails]


# Charsets and headers


def text_decode(data: bytes, charset: str | None) -> str:
    """Bytes in a declared (and possibly wrong) charset to text, never raising.

    Tries the declared charset (with the aliases above), then UTF-8, then
    GB18030; only then replaces what cannot be read.
    """
    name = (charset or "").strip().strip('"').lower()
    codec = CHARSET_ALIASES.get(name, name)
    candidates = [] if name in _UNDECLARED else [codec]
    candidates += ["utf-8", "gb18030"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode(codec, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _eight_bit_fixed(value: str) -> str:
    # Some clients put raw UTF-8 or GBK bytes into headers; the parser keeps
    # them as surrogate escapes, which we turn back into bytes and decode.
    if any("\udc80" <= char <= "\udcff" for char in value):
        return text_decode(value.encode("ascii", "surrogateescape"), None)
    return value


def _encoded_word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)


def header_decode(value: str | None) -> str:
    """A header's text: RFC 2047 encoded words and raw 8-bit bytes decoded, whitespace unfolded.

    Adjacent encoded words in one charset are joined as bytes before decoding,
    because clients split multibyte characters across words.
    """
    if not value:
        return ""
    value = re.sub(r"\r?\n(?=[ \t])", "", _eight_bit_fixed(str(value)))
    pieces: list[tuple[str, str | bytes, str]] = []  # (kind, content, charset)
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
        if between and not (between.isspace() and pieces and pieces[-1][0] == "word"):
            pieces.append(("text", between, ""))
        charset = match.group(1).split("*", 1)[0].lower()
        data = _encoded_word_bytes(match.group(2), match.group(3))
        if pieces and pieces[-1][0] == "word" and pieces[-1][2] == charset:
            pieces[-1] = ("word", pieces[-1][1] + data, charset)
        else:
            pieces.append(("word", data, charset))
        position = match.end()
    pieces.append(("text", value[position:], ""))
    text = "".join(
        text_decode(content, charset) if kind == "word" else content for kind, content, charset in pieces
    )
    return " ".join(text.split())


def _raw_headers(message: Message) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in message.raw_items()]


def _raw_header(message: Message, name: str) -> str:
    lowered = name.lower()
    for header, value in _raw_headers(message):
        if header.lower() == lowered:
            return value
    return ""


def _raw_header_all(message: Message, name: str) -> list[str]:
    lowered = name.lower()
    return [value for header, value in _raw_headers(message) if header.lower() == lowered]


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of these headers, valid addresses only, each once."""
    values = []
    for name in names:
        values += [_eight_bit_fixed(value) for value in _raw_header_all(message, name)]
    seen: set[str] = set()
    found = []
    for display_name, address in getaddresses(values):
        address = address.strip()
        if not address or address.lower() in seen or not _valid_address(address):
            continue
        seen.add(address.lower())
        found.append((header_decode(display_name), address))
    return found


def _valid_address(address: str) -> bool:
    if len(address) > 254:
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _message_ids(value: str) -> list[str]:
    return [f"<{found}>" for found in _MSGID.findall(value) if len(found) < MAX_MESSAGE_ID_LENGTH]


def _message_id(message: Message, raw: bytes) -> str:
    found = _message_ids(_raw_header(message, "Message-ID"))
    if found:
        return found[0]
    bare = _raw_header(message, "Message-ID").strip()
    if bare and "@" in bare and len(bare) < MAX_MESSAGE_ID_LENGTH and not any(c.isspace() for c in bare):
        return f"<{bare}>"
    # No usable Message-ID: one made from the bytes still makes a redelivery a duplicate.
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def subject_clean(subject: str) -> str:
    """The subject without Re:/Fwd:/回复: prefixes and our own [T-1042], for a ticket's title."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _SUBJECT_PREFIX.sub("", subject)
    return subject.strip()


# Bodies


class _HtmlToText(HTMLParser):
    """HTML to readable plain text; blockquotes become "> " lines so quoted history can be trimmed."""

    # Blocks set off by a blank line, and blocks that only start a new line.
    PARAGRAPHS = {
        "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "blockquote",
        "section", "article", "header", "footer", "address", "dl", "center", "form",
    }  # fmt: skip
    LINES = {"div", "li", "tr", "dt", "dd"}
    SKIP = {"script", "style", "head", "title", "noscript", "template", "xml"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.link_href: str | None = None
        self.link_text: list[str] = []

    def _line_end(self, *, keep_empty: bool = False) -> None:
        text = "".join(self.current).strip()
        self.current = []
        if text or keep_empty:
            self.lines.append(("> " * self.quote_depth + text).rstrip())

    def _paragraph_end(self) -> None:
        self._line_end()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote_depth).rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self._line_end(keep_empty=True)
        elif tag == "blockquote":
            self._paragraph_end()
            self.quote_depth += 1
        elif tag == "li":
            self._line_end()
            self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            if alt.strip():
                self.current.append(f"[{alt.strip()}]")
        elif tag == "a":
            self.link_href = dict(attrs).get("href") or ""
            self.link_text = []
        elif tag in self.PARAGRAPHS:
            self._paragraph_end()
            if tag == "pre":
                self.pre_depth += 1
        elif tag in self.LINES:
            self._line_end()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "blockquote":
            self._line_end()
            self.quote_depth = max(0, self.quote_depth - 1)
            self._paragraph_end()
        elif tag == "a":
            href, text = self.link_href or "", "".join(self.link_text).strip()
            if href.startswith(("http://", "https://")) and href not in text:
                self.current.append(f" ({href})")
            self.link_href = None
        elif tag in self.PARAGRAPHS:
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            self._paragraph_end()
        elif tag in self.LINES:
            self._line_end()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            lines = data.split("\n")
            for line in lines[:-1]:
                self.current.append(line)
                self._line_end(keep_empty=True)
            self.current.append(lines[-1])
        else:
            data = re.sub(r"\s+", " ", data)
            if not self.current or "".join(self.current).endswith(" "):
                data = data.lstrip()
            self.current.append(data)
        if self.link_href is not None:
            self.link_text.append(data)

    def text(self) -> str:
        self._line_end()
        text = "\n".join(self.lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML mail body."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()


def html_sanitise(html: str) -> str:
    """Customer HTML with scripts, styles, event handlers and unsafe links removed (E3)."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


# Where quoted history starts, one line each: Outlook's and Foxmail/QQ's
# separators, and the "On ... wrote:" attributions of Gmail and Apple Mail
# in English and Chinese.
_QUOTE_MARKERS = [
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}$", re.IGNORECASE),
    re.compile(r"^-{3,}\s*(原始邮件|原始郵件|Original)\s*-{3,}$", re.IGNORECASE),
    re.compile(r"^_{20,}$"),
    re.compile(r"^On\s.{1,300}\swrote:$", re.IGNORECASE),
    re.compile(r"^.{0,200}(于|在)\s*\d{4}\s*年.{1,200}写道\s*[:\uff1a]$"),
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.{0,200}(写道|wrote)\s*[:\uff1a]$"),
]
# Outlook's header block: "From: ..." followed within a few lines by "Sent: ...".
_HEADER_FROM = re.compile(r"^\*?(From|发件人|寄件者|Von|De)\s*\*?\s*[:\uff1a]", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\*?(Sent|Date|发送时间|寄件日期|日期|时间|Gesendet|Envoyé)\s*\*?\s*[:\uff1a]", re.IGNORECASE
)


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        # Gmail wraps a long attribution over two lines.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(marker.match(stripped) or marker.match(joined) for marker in _QUOTE_MARKERS):
            return index
        if _HEADER_FROM.match(stripped) and any(
            _HEADER_SENT.match(following.strip()) for following in lines[index + 1 : index + 5]
        ):
            return index
    return None


def quoted_reply_strip(text: str) -> str:
    """The new part of a reply: quoted history and its attribution line cut off.

    Returns the whole text when nothing is left after cutting (a forward, or a
    message that is all quote), so nothing the customer wrote disappears.
    """
    lines = text.splitlines()
    start = _quote_start(lines)
    if start is not None:
        lines = lines[:start]
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()


# Parts


def _leaves(part: Message) -> Iterator[Message]:
    # Not Message.walk(): that descends into attached messages (a forwarded
    # mail, the original inside a bounce), whose parts are not ours.
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            yield from _leaves(sub)
    else:
        yield part


def _filename(part: Message) -> str:
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


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or bool(_filename(part))


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return text_decode(data, part.get_content_charset())


def _display_filename(name: str, content_type: str, index: int) -> str:
    """The sender's file name, as staff should read it: no path, no control or shell-special characters."""
    name = os.path.basename(name.replace("\\", "/"))
    name = " ".join(re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "", name).split()).strip(". ")
    stem, extension = os.path.splitext(name)
    if not extension or len(extension) > 10:
        guessed = mimetypes.guess_extension(content_type) or ".bin"
        extension = ".jpg" if guessed == ".jpe" else guessed
        stem = name
    return f"{stem[:120] or f'attachment-{index}'}{extension.lower()}"


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lstrip(".").lower()


def attachment_problem(*, filename: str, size: int) -> str | None:
    """Why an attachment may not be kept (size, type), in English for the record, or None."""
    allowed = {extension.lower().lstrip(".") for extension in settings.SUPPORT_ATTACHMENT_EXTENSIONS}
    if _extension(filename) not in allowed:
        return "type not allowed"
    if size > settings.SUPPORT_ATTACHMENT_MAX_BYTES:
        return f"too large ({size} bytes, limit {settings.SUPPORT_ATTACHMENT_MAX_BYTES})"
    return None


# The first bytes of the file types we accept whose content can be checked;
# text types (txt, csv, eml) have none.
_SIGNATURES = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


def attachment_signature_ok(*, filename: str, head: bytes) -> bool:
    """Whether a file's first bytes match what its extension claims (always true for text types)."""
    signatures = _SIGNATURES.get(_extension(filename))
    if signatures is None:
        return True
    if _extension(filename) == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head.startswith(signatures)


def _bounced_ids(part: Message) -> list[str]:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        return _message_ids(_raw_header(inner, "Message-ID")) if inner is not None else []
    if content_type in ("text/rfc822-headers", "message/rfc822-headers"):
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(part.get_payload(decode=True) or b"")
        return _message_ids(str(headers.get("Message-ID", "")))
    return []


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            return payload[0].as_bytes(policy=policy.SMTP)
    return part.get_payload(decode=True) or b""


# Automatic mail


def _automatic(message: Message, from_email: str) -> tuple[bool, bool, str]:
    """(is_auto, is_bounce, evidence) from the headers (RFC 3834 and what real servers send)."""
    sender = from_email.lower()
    if message.get_content_type() == "multipart/report":
        return True, True, "Content-Type: multipart/report"
    if sender.partition("@")[0] in BOUNCE_SENDERS:
        return True, True, f"From: {from_email}"
    return_path = _raw_header(message, "Return-Path")
    if return_path and return_path.strip() == "<>":
        return True, True, "Return-Path: <>"
    auto_submitted = header_decode(_raw_header(message, "Auto-Submitted"))
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return True, False, f"Auto-Submitted: {auto_submitted}"
    precedence = header_decode(_raw_header(message, "Precedence")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return True, False, f"Precedence: {precedence}"
    for name in AUTO_HEADERS:
        if _raw_header_all(message, name):
            return True, False, f"{name}: {header_decode(_raw_header(message, name))}"[:255]
    if address_is_own(sender):
        return True, False, f"From: {from_email} (our own address)"
    return False, False, ""


def email_parse(raw: bytes) -> ParsedEmail:
    """Decode one raw RFC 822 message. Pure: no database, no mailbox, no files written.

    Raises MalformedEmail when there is nothing to store: no bytes, no header,
    no valid sender address.
    """
    if not raw or not raw.strip():
        raise MalformedEmail("The message is empty.")
    try:
        message: EmailMessage = message_from_bytes(raw, policy=policy.default)
        headers = _raw_headers(message)
    except Exception as error:
        raise MalformedEmail(f"The message could not be parsed: {error}") from error
    if not headers:
        raise MalformedEmail("The message has no headers: it does not start with header lines.")
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    if not senders:
        raise MalformedEmail("The message has no valid sender address in its From header.")
    from_name, from_email = senders[0]

    subject = header_decode(_raw_header(message, "Subject"))
    plain, html = [], []
    attachments: list[ParsedAttachment] = []
    dropped: list[str] = []
    bounced: list[str] = []
    for part in _leaves(message):
        content_type = part.get_content_type()
        bounced += _bounced_ids(part)
        if content_type in ("message/delivery-status", "text/rfc822-headers", "message/rfc822-headers"):
            continue
        if content_type in ("text/plain", "text/html") and not _is_attachment(part):
            (plain if content_type == "text/plain" else html).append(_part_text(part))
            continue
        if part.get_content_maintype() == "multipart":
            continue
        name = _filename(part)
        if not name and content_type == "message/rfc822":
            name = f"{subject_clean(subject) or 'message'}.eml"
        filename = _display_filename(name, content_type, len(attachments) + len(dropped) + 1)
        data = _attachment_bytes(part)
        if not data:
            continue
        problem = attachment_problem(filename=filename, size=len(data))
        if problem is None and not attachment_signature_ok(filename=filename, head=data[:16]):
            problem = "content does not match the file type"
        if problem is None and len(attachments) >= settings.SUPPORT_ATTACHMENT_MAX_COUNT:
            problem = f"more than {settings.SUPPORT_ATTACHMENT_MAX_COUNT} attachments"
        if problem is not None:
            dropped.append(f"{filename}: {problem}")
            continue
        content_id = _MSGID.findall(_raw_header(part, "Content-ID"))
        attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=content_type,
                data=data,
                content_id=content_id[0] if content_id else "",
                is_inline=bool(content_id) and part.get_content_disposition() != "attachment",
            )
        )

    html_text = "\n".join(html)
    text = "\n\n".join(body.strip() for body in plain if body.strip())
    if not text and html_text:
        text = html_to_text(html_text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_auto, is_bounce, reason = _automatic(message, from_email)
    recipients = _addresses(message, "Delivered-To", "X-Original-To", "Envelope-To")
    return ParsedEmail(
        message_id=_message_id(message, raw),
        from_email=from_email,
        from_name=from_name[:150],
        subject=subject,
        in_reply_to=_message_ids(_raw_header(message, "In-Reply-To")),
        references=_message_ids(" ".join(_raw_header_all(message, "References"))),
        to_emails=[address for _name, address in _addresses(message, "To")],
        cc_emails=[address for _name, address in _addresses(message, "Cc")],
        delivered_to=[address for _name, address in recipients],
        text=text,
        reply_text=quoted_reply_strip(text) if text else "",
        html=html_sanitise(html_text) if html_text else "",
        attachments=attachments,
        dropped_attachments=dropped,
        is_auto=is_auto,
        is_bounce=is_bounce,
        flag_reason=reason[:255],
        bounced_message_ids=list(dict.fromkeys(bounced)) if is_bounce else [],
        raw_headers="\n".join(f"{name}: {_eight_bit_fixed(value)}" for name, value in headers)[
            :MAX_RAW_HEADERS
        ],
        language="zh-hans" if _CJK.search(f"{subject} {text}") else "en",
    )
