"""``email_parse``: one raw RFC 822 message in, a ``ParsedEmail`` out; it knows nothing of mailboxes.

Puts together what the sibling modules read: headers, bodies, attachments and
whether the mail is automatic. Pure: no database, no mailbox, no files written.
"""

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from support.exceptions import MalformedEmail
from support.inbound.attachments import ParsedAttachment, attachments_read
from support.inbound.authentication import authentication_failure
from support.inbound.automatic import REPORT_PART_TYPES, automatic_evidence, bounced_ids
from support.inbound.bodies import html_sanitise, html_to_text, quoted_reply_strip
from support.inbound.charsets import eight_bit_fixed, header_decode
from support.inbound.headers import (
    address_list,
    addresses,
    message_ids,
    own_message_id,
    raw_header,
    raw_header_all,
    raw_headers,
)
from support.inbound.parts import is_attachment, leaves, part_text

MAX_RAW_HEADERS = 64 * 1024

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


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
    # "dmarc=fail" or "spf=fail" when the receiving gateway said the From address may be forged.
    authentication_failure: str = ""
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


def email_parse(raw: bytes) -> ParsedEmail:
    """Decode one raw RFC 822 message. Pure: no database, no mailbox, no files written.

    Raises MalformedEmail when there is nothing to store: no bytes, no header,
    no valid sender address.
    """
    if not raw or not raw.strip():
        raise MalformedEmail("The message is empty.")
    try:
        message: EmailMessage = message_from_bytes(raw, policy=policy.default)
        headers = raw_headers(message)
    except Exception as error:
        raise MalformedEmail(f"The message could not be parsed: {error}") from error
    if not headers:
        raise MalformedEmail("The message has no headers: it does not start with header lines.")
    senders = addresses(message, "From") or addresses(message, "Sender")
    if not senders:
        raise MalformedEmail("The message has no valid sender address in its From header.")
    from_name, from_email = senders[0]

    subject = header_decode(raw_header(message, "Subject"))
    plain, html = [], []
    files: list[Message] = []
    bounced: list[str] = []
    for part in leaves(message):
        content_type = part.get_content_type()
        bounced += bounced_ids(part)
        if content_type in REPORT_PART_TYPES:
            continue
        if content_type in ("text/plain", "text/html") and not is_attachment(part):
            (plain if content_type == "text/plain" else html).append(part_text(part))
            continue
        if part.get_content_maintype() == "multipart":
            continue
        files.append(part)
    attachments, dropped = attachments_read(files, subject=subject)

    html_text = "\n".join(html)
    text = "\n\n".join(body.strip() for body in plain if body.strip())
    if not text and html_text:
        text = html_to_text(html_text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_auto, is_bounce, reason = automatic_evidence(message, from_email)
    return ParsedEmail(
        message_id=own_message_id(message, raw),
        from_email=from_email,
        from_name=from_name[:150],
        subject=subject,
        in_reply_to=message_ids(raw_header(message, "In-Reply-To")),
        references=message_ids(" ".join(raw_header_all(message, "References"))),
        to_emails=address_list(message, "To"),
        cc_emails=address_list(message, "Cc"),
        delivered_to=address_list(message, "Delivered-To", "X-Original-To", "Envelope-To"),
        text=text,
        reply_text=quoted_reply_strip(text) if text else "",
        html=html_sanitise(html_text) if html_text else "",
        attachments=attachments,
        dropped_attachments=dropped,
        is_auto=is_auto,
        is_bounce=is_bounce,
        flag_reason=reason[:255],
        authentication_failure=authentication_failure(message),
        bounced_message_ids=list(dict.fromkeys(bounced)) if is_bounce else [],
        raw_headers="\n".join(f"{name}: {eight_bit_fixed(value)}" for name, value in headers)[
            :MAX_RAW_HEADERS
        ],
        language="zh-hans" if _CJK.search(f"{subject} {text}") else "en",
    )
