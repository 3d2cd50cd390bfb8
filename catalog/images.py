"""Product photos: upload validation and thumbnails, with Pillow.

Uploaded files are hostile until proven otherwise. Validation reads the header
first and refuses absurd pixel counts *before* any pixel data is decoded (a
tiny PNG can claim 50000 x 50000 pixels and exhaust memory when loaded), then
verifies the file, then reopens and decodes it to catch truncated data.

Thumbnails are made once, at upload, never while serving a page.
"""

import struct
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

# Bounding boxes: the aspect ratio is kept and small images are never enlarged.
SMALL_BOX = (400, 400)  # product cards and the admin preview
LARGE_BOX = (1000, 1000)  # the product page
THUMBNAIL_FORMAT = "JPEG"
THUMBNAIL_EXTENSION = ".jpg"
THUMBNAIL_QUALITY = 85
# Transparent areas become this colour, since JPEG has no alpha channel.
BACKGROUND_COLOUR = (255, 255, 255)

# Everything Pillow may raise on a broken, hostile or unsupported file.
_PILLOW_ERRORS = (
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)

MESSAGE_NOT_AN_IMAGE = _("The file is not a valid image. Upload a JPEG, PNG, WebP or GIF file.")
MESSAGE_TOO_LARGE = _("The file is too large (%(size)s). The largest file accepted is %(limit)s.")
MESSAGE_TOO_MANY_PIXELS = _(
    "The image is too large (%(width)s × %(height)s pixels). "  # noqa: RUF001
    "The largest image accepted has %(megapixels)s megapixels."
)
MESSAGE_FAR_TOO_MANY_PIXELS = _(
    "The image has far too many pixels. The largest image accepted has %(megapixels)s megapixels."
)


def image_max_bytes() -> int:
    """The largest upload accepted, in bytes (setting ``PRODUCT_IMAGE_MAX_BYTES``)."""
    return int(getattr(settings, "PRODUCT_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


def image_max_pixels() -> int:
    """The largest width x height accepted (setting ``PRODUCT_IMAGE_MAX_PIXELS``)."""
    return int(getattr(settings, "PRODUCT_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ValidationError(MESSAGE_NOT_AN_IMAGE, code="invalid_image")
    if width * height > max_pixels:
        raise ValidationError(
            MESSAGE_TOO_MANY_PIXELS,
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "megapixels": f"{max_pixels / 1_000_000:g}",
            },
        )


def _open(file: IO[bytes], max_pixels: int) -> Image.Image:
    """Open (header only) one of the allowed formats and check its pixel count."""
    file.seek(0)
    image = Image.open(file, formats=ALLOWED_FORMATS)
    _check_pixels(image, max_pixels)
    return image


def image_validate(file: IO[bytes]) -> str:
    """Check that an uploaded file is a real, reasonably sized image; return its Pillow format.

    Refuses files over ``PRODUCT_IMAGE_MAX_BYTES``, anything that is not a
    JPEG, PNG, WebP or GIF, images over ``PRODUCT_IMAGE_MAX_PIXELS`` (checked
    from the header, before decoding) and corrupt or truncated files.
    Raises ``ValidationError`` with a translated message; leaves the file at
    position 0.
    """
    max_bytes = image_max_bytes()
    size = _file_size(file)
    if size > max_bytes:
        raise ValidationError(
            MESSAGE_TOO_LARGE,
            code="file_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    max_pixels = image_max_pixels()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(file, max_pixels) as image:
                image_format = image.format
                image.verify()
            # verify() leaves the image unusable: reopen to decode the pixels,
            # which catches truncated files that verify() lets through.
            with _open(file, max_pixels) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            MESSAGE_FAR_TOO_MANY_PIXELS,
            code="too_many_pixels",
            params={"megapixels": f"{max_pixels / 1_000_000:g}"},
        ) from exc
    except _PILLOW_ERRORS as exc:
        raise ValidationError(MESSAGE_NOT_AN_IMAGE, code="invalid_image") from exc
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(MESSAGE_NOT_AN_IMAGE, code="invalid_image")
    return image_format


@dataclass(frozen=True)
class Thumbnails:
    """The two thumbnails of one photo, ready to save to any Django storage."""

    small: ContentFile
    large: ContentFile


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, BACKGROUND_COLOUR)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _render(image: Image.Image, box: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(box, Image.Resampling.LANCZOS)
    buffer = BytesIO()
    copy.save(buffer, THUMBNAIL_FORMAT, quality=THUMBNAIL_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def thumbnails_make(*, data: bytes, name: str) -> Thumbnails:
    """Make the small (400x400 box) and large (1000x1000 box) JPEG thumbnails of an image.

    ``data`` is the raw bytes of the original, ``name`` its file name (only its
    stem is used, for ``<stem>-small.jpg`` / ``<stem>-large.jpg``). The aspect
    ratio is kept, EXIF orientation applied, transparency flattened onto white;
    animated GIFs give their first frame. Bulk code (demo data) can save the
    returned files to storage itself. Raises ``ValidationError`` if the bytes
    are not an acceptable image (see ``image_validate``).
    """
    source = BytesIO(data)
    image_validate(source)
    max_pixels = image_max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(source, max_pixels) as opened:
                # JPEG can decode at a reduced scale: far less memory and time
                # for big camera photos, still at least as large as the box.
                opened.draft("RGB", LARGE_BOX)
                oriented = ImageOps.exif_transpose(opened)
                rgb = _flatten_to_rgb(oriented)
                large = _render(rgb, LARGE_BOX)
                small = _render(rgb, SMALL_BOX)
    except _PILLOW_ERRORS as exc:
        raise ValidationError(MESSAGE_NOT_AN_IMAGE, code="invalid_image") from exc
    stem = PurePosixPath(name).stem or "image"
    return Thumbnails(
        small=ContentFile(small, name=f"{stem}-small{THUMBNAIL_EXTENSION}"),
        large=ContentFile(large, name=f"{stem}-large{THUMBNAIL_EXTENSION}"),
    )
