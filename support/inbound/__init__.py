"""Reading inbound mail: raw RFC 822 bytes in, a ``ParsedEmail`` out.

Knows nothing about the mailbox (the commands fetch) nor the database
(``support.services.ticket_ingest_email`` stores). Mail from outside is
hostile: HTML is sanitised, attachments are held to size and type limits, and
every header is decoded defensively, because real clients get charsets wrong.

- ``parser``: ``email_parse`` and ``ParsedEmail``, putting the pieces together;
- ``charsets``: text in declared, wrong or missing charsets, RFC 2047 headers;
- ``headers``: raw header values, addresses, Message-IDs, the cleaned subject;
- ``parts``: walking MIME parts, their text and file names;
- ``bodies``: HTML as text, sanitised HTML, quoted history cut off a reply;
- ``attachments``: safe file names, size, type and count limits;
- ``automatic``: auto-replies, lists and bounces.
"""

from support.inbound.attachments import ParsedAttachment, attachment_problem, attachment_signature_ok
from support.inbound.automatic import AUTO_HEADERS, AUTO_PRECEDENCE, BOUNCE_SENDERS
from support.inbound.bodies import html_sanitise, html_to_text, quoted_reply_strip
from support.inbound.charsets import CHARSET_ALIASES, header_decode, text_decode
from support.inbound.headers import MAX_MESSAGE_ID_LENGTH, subject_clean
from support.inbound.parser import MAX_RAW_HEADERS, ParsedEmail, email_parse

__all__ = [
    "AUTO_HEADERS",
    "AUTO_PRECEDENCE",
    "BOUNCE_SENDERS",
    "CHARSET_ALIASES",
    "MAX_MESSAGE_ID_LENGTH",
    "MAX_RAW_HEADERS",
    "ParsedAttachment",
    "ParsedEmail",
    "attachment_problem",
    "attachment_signature_ok",
    "email_parse",
    "header_decode",
    "html_sanitise",
    "html_to_text",
    "quoted_reply_strip",
    "subject_clean",
    "text_decode",
]
