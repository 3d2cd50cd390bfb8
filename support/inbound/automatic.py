"""Telling automatic mail from a person's (RFC 3834 and what real servers send), and what a bounce reports."""

from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

from support.addresses import address_is_own
from support.inbound.charsets import header_decode
from support.inbound.headers import message_ids, raw_header, raw_header_all
from support.inbound.parts import attached_message

AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
# Present at all (whatever the value) on automatic mail.
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id")
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}

_HEADER_REPORTS = ("text/rfc822-headers", "message/rfc822-headers")
# Parts of a delivery report that are neither body nor attachment.
REPORT_PART_TYPES = ("message/delivery-status", *_HEADER_REPORTS)


def automatic_evidence(message: Message, from_email: str) -> tuple[bool, bool, str]:
    """(is_auto, is_bounce, evidence) from the headers (RFC 3834 and what real servers send)."""
    sender = from_email.lower()
    if message.get_content_type() == "multipart/report":
        return True, True, "Content-Type: multipart/report"
    if sender.partition("@")[0] in BOUNCE_SENDERS:
        return True, True, f"From: {from_email}"
    return_path = raw_header(message, "Return-Path")
    if return_path and return_path.strip() == "<>":
        return True, True, "Return-Path: <>"
    auto_submitted = header_decode(raw_header(message, "Auto-Submitted"))
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return True, False, f"Auto-Submitted: {auto_submitted}"
    precedence = header_decode(raw_header(message, "Precedence")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return True, False, f"Precedence: {precedence}"
    for name in AUTO_HEADERS:
        if raw_header_all(message, name):
            return True, False, f"{name}: {header_decode(raw_header(message, name))}"[:255]
    if address_is_own(sender):
        return True, False, f"From: {from_email} (our own address)"
    return False, False, ""


def bounced_ids(part: Message) -> list[str]:
    """The Message-IDs of the returned mail that a part of a bounce quotes (whole or headers only)."""
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = attached_message(part)
        return message_ids(raw_header(inner, "Message-ID")) if inner is not None else []
    if content_type in _HEADER_REPORTS:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(part.get_payload(decode=True) or b"")
        return message_ids(str(headers.get("Message-ID", "")))
    return []
