"""Serving a request's photos: from private storage, shown in the page only when their bytes are an image."""

from django.http import FileResponse, Http404

from aftersales.models import AfterSalesPhoto
from shop.uploads import file_extension, file_signature_ok, private_file_response

PHOTO_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def photo_file_response(photo: AfterSalesPhoto) -> FileResponse:
    """The photo as a sandboxed response; Http404 when its file is gone.

    The type comes from the name's extension and is trusted only when the first bytes
    match it, never from what the uploading browser declared; anything else is a download.
    """
    try:
        handle = photo.file.open("rb")
    except OSError as error:
        raise Http404() from error
    head = handle.read(16)
    handle.seek(0)
    content_type = PHOTO_CONTENT_TYPES.get(file_extension(photo.filename))
    inline = content_type is not None and file_signature_ok(filename=photo.filename, head=head)
    return private_file_response(
        handle,
        filename=photo.filename,
        content_type=content_type if inline else "application/octet-stream",
        inline=inline,
    )
