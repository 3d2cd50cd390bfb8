"""Demo product pictures drawn with Pillow: one distinct, deterministic picture per product.

A picture is a small vector scene (gradient bands, shapes, the product's
initials) drawn straight at every size needed, so no resampling is done.
Thumbnails follow ``catalog.images``: the same boxes and names, never
enlarged, so the 600 px original is its own large thumbnail. That file-level
shortcut is what keeps 10,000 products inside a minute on two cores:
``catalog.images.thumbnails_make`` decodes, validates and re-encodes with
optimisation, about 8 ms a picture here, which is for real uploads.
"""

import colorsys
import io
import random
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from catalog.images import LARGE_BOX, SMALL_BOX, THUMBNAIL_EXTENSION, THUMBNAIL_FORMAT

PICTURE_SIZE = 600
JPEG_QUALITY = 80
_BANDS = 20

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class PictureJob:
    """What a worker process needs to draw one product's picture."""

    number: int
    initials: str
    hue: float
    stem: str  # file name without extension, e.g. the product slug


@dataclass(frozen=True)
class PictureFiles:
    """The encoded picture and its two thumbnails, as bytes (cheap to send between processes)."""

    number: int
    original: bytes
    original_name: str
    small: bytes
    small_name: str
    large: bytes
    large_name: str


@dataclass(frozen=True)
class _Shape:
    kind: str  # "ellipse", "rectangle" or "rounded"
    box: tuple[float, float, float, float]  # in units of the picture size
    colour: Colour


@dataclass(frozen=True)
class _Scene:
    top: Colour
    bottom: Colour
    shapes: tuple[_Shape, ...]
    initials: str


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Pillow's bundled default font: no font files needed on the machine.
    return ImageFont.load_default(size=size)


def _colour(hue: float, saturation: float, value: float) -> Colour:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _scene(number: int, initials: str, hue: float) -> _Scene:
    rng = random.Random(f"picture:{number}")
    hue += rng.uniform(-0.07, 0.07)
    top = _colour(hue, rng.uniform(0.15, 0.35), rng.uniform(0.90, 0.98))
    bottom = _colour(hue + rng.uniform(-0.04, 0.04), rng.uniform(0.35, 0.6), rng.uniform(0.60, 0.80))
    shapes = []
    for _ in range(rng.randint(2, 4)):
        radius, x, y = rng.uniform(0.045, 0.15), rng.random(), rng.random()
        colour = _colour(hue + rng.choice((0.5, 0.1, -0.1)), rng.uniform(0.15, 0.4), rng.uniform(0.8, 1.0))
        kind = "ellipse" if rng.random() < 0.6 else "rectangle"
        shapes.append(_Shape(kind, (x - radius, y - radius, x + radius, y + radius), colour))
    radius = rng.uniform(0.26, 0.34)
    badge = (0.5 - radius, 0.5 - radius, 0.5 + radius, 0.5 + radius)
    shadow = tuple(channel * 3 // 4 for channel in bottom)
    shapes.append(_Shape("ellipse", tuple(edge + 0.025 for edge in badge), shadow))
    colour = _colour(hue + rng.choice((0.0, 0.0, 0.5)), rng.uniform(0.35, 0.55), rng.uniform(0.45, 0.65))
    shapes.append(_Shape("ellipse" if rng.random() < 0.5 else "rounded", badge, colour))
    return _Scene(top, bottom, tuple(shapes), initials or "?")


def _draw(scene: _Scene, size: int, image_format: str) -> bytes:
    image = Image.new("RGB", (size, size), scene.top)
    draw = ImageDraw.Draw(image)
    # A banded gradient: a few rectangles cost far less than per-pixel work.
    for band in range(_BANDS):
        share = band / (_BANDS - 1)
        colour = tuple(round(a + (b - a) * share) for a, b in zip(scene.top, scene.bottom, strict=True))
        draw.rectangle((0, band * size // _BANDS, size, (band + 1) * size // _BANDS), fill=colour)
    for shape in scene.shapes:
        box = tuple(round(edge * size) for edge in shape.box)
        if shape.kind == "ellipse":
            draw.ellipse(box, fill=shape.colour)
        elif shape.kind == "rectangle":
            draw.rectangle(box, fill=shape.colour)
        else:
            draw.rounded_rectangle(box, radius=(box[2] - box[0]) // 6, fill=shape.colour)
    centre = size // 2
    draw.text((centre, centre), scene.initials, font=_font(size // 4), anchor="mm", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, image_format, quality=JPEG_QUALITY)
    return buffer.getvalue()


def picture_files_make(job: PictureJob) -> PictureFiles:
    """Draw one product's picture and its two thumbnails; touches no database, so it runs in workers."""
    scene = _scene(job.number, job.initials, job.hue)
    drawn: dict[tuple[int, str], bytes] = {}

    def at(size: int, image_format: str = THUMBNAIL_FORMAT) -> bytes:
        if (size, image_format) not in drawn:
            drawn[size, image_format] = _draw(scene, size, image_format)
        return drawn[size, image_format]

    return PictureFiles(
        number=job.number,
        original=at(PICTURE_SIZE, "JPEG"),
        original_name=f"{job.stem}.jpg",
        small=at(min(PICTURE_SIZE, *SMALL_BOX)),
        small_name=f"{job.stem}-small{THUMBNAIL_EXTENSION}",
        large=at(min(PICTURE_SIZE, *LARGE_BOX)),
        large_name=f"{job.stem}-large{THUMBNAIL_EXTENSION}",
    )
