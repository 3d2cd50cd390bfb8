"""Photo thumbnails in the catalogue admin: in the product list and beside each uploaded photo."""

from django.utils.html import format_html

THUMBNAIL_COLUMN_SIZE = 48
THUMBNAIL_PREVIEW_SIZE = 96


def thumbnail_img(storage_name: str | None, storage, size: int) -> str:
    """An ``<img>`` of a stored thumbnail at ``size`` pixels square, or a dash when there is none."""
    if not storage_name:
        return "—"
    # No style attribute: the Content-Security-Policy allows no inline styles (css/admin.css fits it).
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" class="admin-thumbnail">',
        storage.url(storage_name),
        size,
        size,
    )
