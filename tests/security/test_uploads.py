"""Uploaded files are served with safe types and never run: the public media route, the contact
form's attachments and product photos."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from catalog.models import ProductImage
from shop import views
from support.models import Attachment, Ticket
from tests.factories import CategoryFactory, StaffUserFactory, TicketMessageFactory
from tests.helpers import staff_login
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><script>alert(1)</script></svg>'
)


@pytest.fixture
def media(settings) -> Path:
    root = Path(settings.MEDIA_ROOT)
    files = {
        "products/7/photo.png": image_bytes(size=(8, 8), image_format="PNG"),
        "products/7/page.html": HTML,
        "products/7/drawing.svg": SVG,
        "products/7/fake.png": HTML,
        "products/7/archive.tar.gz": b"\x1f\x8b\x08\x00",
        "thumbnails/photo_small.jpg": image_bytes(size=(8, 8)),
        "support/attachments/0123456789abcdef/invoice.pdf": b"%PDF-1.4 private",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def test_the_media_route_is_served_by_the_safe_view():
    assert resolve("/media/products/1/photo.png").func is views.media_serve


def test_a_product_photo_is_shown_inline_as_an_image(client, media):
    response = client.get("/media/products/7/photo.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Content-Disposition", "inline").startswith("inline")
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    response.close()


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "archive.tar.gz"])
def test_anything_but_a_raster_image_is_an_opaque_download(client, media, name):
    response = client.get(f"/media/products/7/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "Content-Encoding" not in response
    response.close()


def test_html_named_like_an_image_keeps_the_image_type_and_nosniff(client, media):
    response = client.get("/media/products/7/fake.png")

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "/media/support/attachments/0123456789abcdef/invoice.pdf",
        "/media/products/../support/attachments/0123456789abcdef/invoice.pdf",
        "/media/products/%2e%2e/support/attachments/0123456789abcdef/invoice.pdf",
        "/media/./support/attachments/0123456789abcdef/invoice.pdf",
        "/media//support/attachments/0123456789abcdef/invoice.pdf",
        "/media/products/..%5csupport/attachments/0123456789abcdef/invoice.pdf",
    ],
)
def test_support_attachments_are_never_public(client, media, url):
    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/media/products/../../shop/settings/__init__.py",
        "/media/products/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/media//etc/passwd",
        "/media/products/7/",
        "/media/products/7/missing.png",
        "/media/",
    ],
)
def test_paths_outside_the_public_folders_or_missing_files_are_404(client, media, url):
    response = client.get(url)

    assert response.status_code == 404


def test_nul_in_a_media_path_is_refused(media):
    client = Client(raise_request_exception=False)

    response = client.get("/media/products/7/photo.png%00.html")

    assert response.status_code == 400


def _contact(**files) -> dict:
    return {
        "email": "ann@example.com",
        "name": "Ann Lee",
        "subject": "Broken teapot",
        "message": "See the attached file.",
        "order_number": "",
        "website": "",
        **files,
    }


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("page.html", HTML, "text/html"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("photo.svg", SVG, "image/png"),
        ("shell.php", b"<?php echo 1; ?>", "image/jpeg"),
        ("page.htm", HTML, "text/plain"),
    ],
)
def test_contact_form_refuses_files_that_could_run_in_a_browser(
    client, settings, name, content, content_type
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    response = client.post("/support/", _contact(attachments=upload))

    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert not any(path.is_file() for path in Path(settings.MEDIA_ROOT).rglob("*"))


def test_an_accepted_contact_attachment_is_private(client):
    upload = SimpleUploadedFile("receipt.txt", b"paid in full", content_type="text/plain")

    response = client.post("/support/", _contact(attachments=upload))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.file.name.startswith("support/attachments/")
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_staff_download_an_svg_attachment_as_opaque_bytes(client):
    message = TicketMessageFactory()
    attachment = Attachment(message=message, filename="logo.svg", content_type="image/svg+xml", size=len(SVG))
    attachment.file.save("logo.svg", SimpleUploadedFile("logo.svg", SVG), save=True)
    staff_login(client, StaffUserFactory())

    response = client.get(reverse("admin:support_ticket_attachment", args=[message.ticket_id, attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    response.close()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", SVG, "image/png"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("photo.jpg", HTML, "image/jpeg"),
        ("photo.gif", b"GIF89a" + HTML, "image/gif"),
    ],
)
def test_product_photos_must_really_be_raster_images(client, name, content, content_type):
    staff_login(client, StaffUserFactory())
    category = CategoryFactory()
    data = {
        "name": "Teapot",
        "slug": "teapot",
        "category": str(category.pk),
        "description": "",
        "is_active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": "TEA-1",
        "variants-0-options": "{}",
        "variants-0-price": "10.00",
        "variants-0-stock": "1",
        "variants-0-is_active": "on",
        "variants-0-position": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-image": SimpleUploadedFile(name, content, content_type=content_type),
        "images-0-alt_text": "",
        "images-0-position": "0",
        "recommendation_overrides-TOTAL_FORMS": "0",
        "recommendation_overrides-INITIAL_FORMS": "0",
        "recommendation_overrides-MIN_NUM_FORMS": "0",
        "recommendation_overrides-MAX_NUM_FORMS": "1000",
    }

    response = client.post(reverse("admin:catalog_product_add"), data)

    assert response.status_code == 200
    assert "The file is not a valid image." in response.content.decode()
    assert ProductImage.objects.count() == 0


def test_media_answers_only_get_and_head(client, media):
    response = client.post("/media/products/7/photo.png")

    assert response.status_code == 405


def test_a_request_body_over_the_total_cap_is_refused_unread_with_a_413(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"x" * 1100 * 1024, content_type="application/pdf")

    response = client.post(
        reverse("support:contact"),
        {"email": "ann@example.com", "subject": "Photos", "message": "See attached.", "attachments": upload},
    )

    assert response.status_code == 413
    assert "larger than the 1 MB a request may carry" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_413_page_speaks_the_browsers_language(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 2 * 1024 * 1024

    response = client.post(
        reverse("support:contact"), {"message": "x" * (3 * 1024 * 1024)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 413
    assert "超过了单次请求 2 MB 的上限" in response.content.decode()


def test_a_body_under_the_cap_reaches_the_form(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024

    response = client.post(reverse("support:contact"), {"email": "not-an-address"})

    assert response.status_code in (200, 400)
    assert "Request too large" not in response.content.decode()
