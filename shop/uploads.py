"""Checks and serving shared by every private upload (support attachments, after-sales photos, fapiao).

A file's type is judged by its first bytes as well as its name, and a private file is
served as a sandboxed download that can run nothing, whatever it holds.
"""

import os
import secrets
from dataclasses import dataclass
from typing import IO

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# The first bytes of the file types we accept whose content can be checked;
# text types (txt, csv, eml) have none.
FILE_SIGNATURES = {
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
# Whatever a served file holds, the browser runs nothing from it.
SANDBOX_CSP = "default-src 'none'; img-src 'self'; sandbox"


def file_extension(filename: str) -> str:
    """The file name's extension, lower case, without the dot ("" for none)."""
    return os.path.splitext(filename)[1].lstrip(".").lower()


def file_signature_ok(*, filename: str, head: bytes) -> bool:
    """Whether a file's first bytes match what its extension claims (always true for text types)."""
    extension = file_extension(filename)
    signatures = FILE_SIGNATURES.get(extension)
    if signatures is None:
        return True
    if extension == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head.startswith(signatures)


def upload_signature_ok(upload: UploadedFile) -> bool:
    """file_signature_ok for an uploaded file, read from its start and left at its start."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return file_signature_ok(filename=upload.name, head=head)


@dataclass(frozen=True)
class UploadLimits:
    """How many files a form takes, how large each may be and which types (extensions, lower case)."""

    max_count: int
    max_bytes: int
    extensions: tuple[str, ...]

    @classmethod
    def from_settings(cls, prefix: str) -> "UploadLimits":
        """The limits in ``<prefix>_MAX_COUNT``, ``<prefix>_MAX_BYTES`` and ``<prefix>_EXTENSIONS``."""
        extensions = getattr(settings, f"{prefix}_EXTENSIONS")
        return cls(
            max_count=getattr(settings, f"{prefix}_MAX_COUNT"),
            max_bytes=getattr(settings, f"{prefix}_MAX_BYTES"),
            extensions=tuple(sorted({extension.lower().lstrip(".") for extension in extensions})),
        )


def uploads_check(files: list[UploadedFile], *, limits: UploadLimits) -> list[UploadedFile]:
    """The files, if there are not too many and each has an accepted type, size and first bytes.

    Raises ``forms.ValidationError`` naming every file that fails and why.
    """
    if len(files) > limits.max_count:
        raise forms.ValidationError(
            _("Attach at most %(count)d files.") % {"count": limits.max_count}, code="too_many_files"
        )
    errors = []
    for upload in files:
        extension = file_extension(upload.name)
        if extension not in limits.extensions:
            errors.append(
                forms.ValidationError(
                    _("%(name)s: this type of file is not accepted. Accepted types: %(types)s.")
                    % {"name": upload.name, "types": ", ".join(limits.extensions)},
                    code="file_type",
                )
            )
        elif upload.size > limits.max_bytes:
            errors.append(
                forms.ValidationError(
                    _("%(name)s is too large (%(size)s). Files may be up to %(limit)s.")
                    % {
                        "name": upload.name,
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(limits.max_bytes),
                    },
                    code="file_size",
                )
            )
        elif not upload_signature_ok(upload):
            errors.append(
                forms.ValidationError(
                    _("%(name)s does not look like a .%(extension)s file.")
                    % {"name": upload.name, "extension": extension},
                    code="file_content",
                )
            )
    if errors:
        raise forms.ValidationError(errors)
    return files


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>``, checked against the limits in settings.

    ``limits_setting`` is the settings prefix of the limits (``SUPPORT_ATTACHMENT``), read
    when the form is checked, so a changed setting applies at once.
    """

    def __init__(self, *args, limits_setting: str, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.limits_setting = limits_setting

    @property
    def limits(self) -> UploadLimits:
        return UploadLimits.from_settings(self.limits_setting)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        return uploads_check(files, limits=self.limits)


def private_file_response(
    handle: IO[bytes], *, filename: str, content_type: str = "application/octet-stream", inline: bool = False
) -> FileResponse:
    """A stored private file as a response the browser cannot run anything from.

    ``inline`` only for types the caller checked by their bytes (an image); anything
    else is a download.
    """
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    return response


def private_upload_path(folder: str, filename: str) -> str:
    """Where a private upload is stored: a random folder of its own under ``folder``.

    Never guessable, and two files of one name never collide; ``folder`` must lie outside
    MEDIA_PUBLIC_PREFIXES, so the file is served only through a view that checks access.
    """
    return f"{folder}/{secrets.token_hex(16)}/{filename}"
