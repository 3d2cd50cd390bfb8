"""Test images made in memory with Pillow, including hostile ones."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF orientation 6: the camera was turned a quarter clockwise, so viewers
# rotate the stored pixels 90 degrees clockwise to show the photo upright.
ORIENTATION_TAG = 0x0112
ROTATE_90_CW = 6

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def image_bytes(
    *,
    size: tuple[int, int] = (1600, 1200),
    image_format: str = "JPEG",
    mode: str = "RGB",
    colour: tuple[int, ...] = (200, 80, 40),
    orientation: int | None = None,
) -> bytes:
    """A plain image of ``size`` in ``image_format``, optionally with an EXIF orientation."""
    image = Image.new(mode, size, colour)
    buffer = BytesIO()
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = orientation
        options["exif"] = exif.tobytes()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def image_upload(name: str = "", **kwargs) -> SimpleUploadedFile:
    """An uploaded image file as the admin receives it (see ``image_bytes`` for kwargs)."""
    image_format = kwargs.get("image_format", "JPEG")
    name = name or f"photo.{EXTENSIONS[image_format]}"
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type=CONTENT_TYPES[image_format])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_bytes(*, width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny, well-formed PNG whose header claims ``width`` x ``height`` 1-bit pixels.

    The pixel data is one compressed empty row, so the file is a few dozen
    bytes; decoding it would allocate the full claimed size.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row, 9))
        + _png_chunk(b"IEND", b"")
    )


def png_bomb_upload(name: str = "bomb.png", **kwargs) -> SimpleUploadedFile:
    """``png_bomb_bytes`` as an uploaded file."""
    return SimpleUploadedFile(name, png_bomb_bytes(**kwargs), content_type="image/png")


def truncated_jpeg_upload(name: str = "broken.jpg") -> SimpleUploadedFile:
    """A JPEG cut off half-way: its header reads fine, its pixels do not."""
    data = image_bytes(size=(800, 600))
    return SimpleUploadedFile(name, data[: len(data) // 2], content_type="image/jpeg")
