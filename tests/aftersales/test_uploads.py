"""Photos attached to a request: stored privately under aftersales/photos/, and never left behind."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.exceptions import RequestNotAllowed
from aftersales.models import AfterSalesPhoto
from tests.aftersales.helpers import ask, two_line_order
from tests.images import image_upload

pytestmark = pytest.mark.django_db


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_photos_are_stored_under_aftersales_photos_with_their_details(settings):
    order = two_line_order()

    request = ask(order, reason="faulty", photos=[image_upload("crack.png"), image_upload("box.jpg")])

    photos = list(request.photos.order_by("id"))
    assert [photo.filename for photo in photos] == ["crack.png", "box.jpg"]
    assert all(photo.file.name.startswith("aftersales/photos/") for photo in photos)
    assert sorted(path.name for path in _stored(settings)) == ["photo.jpg", "photo.png"]
    assert all(photo.size > 0 for photo in photos)


def test_no_photo_is_kept_when_more_units_are_asked_than_were_bought(settings):
    order = two_line_order()

    with pytest.raises(RequestNotAllowed, match="at most 2 of Teapot"):
        ask(order, reason="faulty", lines={"Teapot": 3}, photos=[image_upload("crack.png")])

    assert _stored(settings) == []
    assert not AfterSalesPhoto.objects.exists()
    assert not order.after_sales_requests.exists()


def test_no_photo_is_kept_when_too_many_are_attached(settings):
    settings.AFTER_SALES_PHOTO_MAX_COUNT = 2
    order = two_line_order()

    with pytest.raises(RequestNotAllowed, match="Attach at most 2 photos"):
        ask(order, reason="faulty", photos=[image_upload(f"p{index}.png") for index in range(3)])

    assert _stored(settings) == []


def test_photos_stored_before_a_failure_are_removed_from_storage(settings):
    order = two_line_order()
    unreadable = SimpleUploadedFile("late.png", b"not read")
    unreadable.close()  # reading it fails after the first photo is on disk

    with pytest.raises(ValueError):
        ask(order, reason="faulty", photos=[image_upload("crack.png"), unreadable])

    assert _stored(settings) == []
    assert not AfterSalesPhoto.objects.exists()
    assert not order.after_sales_requests.exists()
