"""Attachments of hostile mail: safe file names, size, type and count limits, content matching the type.

``attachment_signature_ok`` (shop.uploads.file_signature_ok) also serves the contact form
and the admin, which check uploaded and stored files with it.
"""

import mimetypes
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import Message

from django.conf import settings

from shop.uploads import file_extension
from shop.uploads import file_signature_ok as attachment_signature_ok
from support.inbound.headers import content_id, subject_clean
from support.inbound.parts import attached_message, part_filename


@dataclass
class ParsedAttachment:
    """One attachment kept from an inbound message, under a file name safe to show."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    is_inline: bool = False


def attachment_problem(*, filename: str, size: int) -> str | None:
    """Why an attachment may not be kept (size, type), in English for the record, or None."""
    allowed = {extension.lower().lstrip(".") for extension in settings.SUPPORT_ATTACHMENT_EXTENSIONS}
    if file_extension(filename) not in allowed:
        return "type not allowed"
    if size > settings.SUPPORT_ATTACHMENT_MAX_BYTES:
        return f"too large ({size} bytes, limit {settings.SUPPORT_ATTACHMENT_MAX_BYTES})"
    return None


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


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = attached_message(part)
        if inner is not None:
            return inner.as_bytes(policy=policy.SMTP)
    return part.get_payload(decode=True) or b""


def attachments_read(parts: Iterable[Message], *, subject: str) -> tuple[list[ParsedAttachment], list[str]]:
    """The attachments to keep from these parts, and "filename: reason" for each one dropped.

    Empty parts are skipped; an attached message without a file name is named
    after the subject.
    """
    attachments: list[ParsedAttachment] = []
    dropped: list[str] = []
    for part in parts:
        content_type = part.get_content_type()
        name = part_filename(part)
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
        part_content_id = content_id(part)
        attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=content_type,
                data=data,
                content_id=part_content_id,
                is_inline=bool(part_content_id) and part.get_content_disposition() != "attachment",
            )
        )
    return attachments, dropped
