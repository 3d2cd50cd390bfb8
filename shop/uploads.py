"""Checks and serving shared by every private upload (support attachments, issued fapiao).

A file's type is judged by its first bytes as well as its name, and a private file is
served as a sandboxed download that can run nothing, whatever it holds.
"""

import os
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

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
