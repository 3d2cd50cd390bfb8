"""The order page's fapiao: requested or changed until the order is finished, the PDF only for its owner."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from orders.models import FapiaoRequest, Order, OrderEvent
from tests.factories import FapiaoRequestFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

HUAWEI = "914403001922038216"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fapiao_url(order: Order) -> str:
    return reverse("orders:fapiao_request", args=[order.number]) + f"?token={order.access_token}"


def _issued(order: Order, **fields) -> FapiaoRequest:
    fapiao = FapiaoRequestFactory.build(
        order=order, status=FapiaoRequest.Status.ISSUED, issued_at=timezone.now(), **fields
    )
    if not fapiao.number:
        fapiao.pdf.save("upload.pdf", ContentFile(PDF), save=False)
    fapiao.save()
    return fapiao


def test_a_guest_requests_a_company_fapiao_from_the_order_page(client):
    order = OrderFactory()
    fields = {
        "fapiao_kind": "company",
        "fapiao_title": "华为技术有限公司",
        "fapiao_tax_number": HUAWEI.lower(),
        "fapiao_email": "tax@example.com",
    }

    response = client.post(_fapiao_url(order), fields)

    assert response.status_code == 302
    assert response["Location"] == order.get_access_url()
    fapiao = FapiaoRequest.objects.get(order=order)
    assert (fapiao.kind, fapiao.title, fapiao.tax_number, fapiao.email) == (
        "company",
        "华为技术有限公司",
        HUAWEI,
        "tax@example.com",
    )
    assert order.events.get().kind == OrderEvent.Kind.FAPIAO_REQUESTED


def test_the_request_can_be_changed_until_it_is_issued(client):
    fapiao = FapiaoRequestFactory(title="Ann Lee")

    client.post(
        _fapiao_url(fapiao.order),
        {"fapiao_kind": "personal", "fapiao_title": "Ann Li", "fapiao_email": "ann@example.com"},
    )

    fapiao.refresh_from_db()
    assert fapiao.title == "Ann Li"
    assert FapiaoRequest.objects.count() == 1


def test_a_bad_tax_number_on_the_order_page_is_a_400_and_changes_nothing(client):
    order = OrderFactory()
    fields = {
        "fapiao_kind": "company",
        "fapiao_title": "华为",
        "fapiao_tax_number": "914403001922038217",
        "fapiao_email": "a@example.com",
    }

    response = client.post(_fapiao_url(order), fields)

    assert response.status_code == 400
    assert "This taxpayer identification number is not valid" in response.content.decode()
    assert not FapiaoRequest.objects.exists()


def test_a_cancelled_order_takes_no_fapiao_request(client):
    order = OrderFactory(cancelled_at=timezone.now())

    response = client.post(
        _fapiao_url(order),
        {"fapiao_kind": "personal", "fapiao_title": "Ann", "fapiao_email": "a@example.com"},
    )

    assert response.status_code == 409
    assert not FapiaoRequest.objects.exists()
    assert 'action="/orders/' not in client.get(order.get_access_url()).content.decode()


def test_a_completed_order_takes_no_fapiao_request(client):
    order = OrderFactory(
        payment_status="paid", fulfilment_status="delivered", carrier="SF", tracking_number="SF1"
    )

    response = client.post(
        _fapiao_url(order),
        {"fapiao_kind": "personal", "fapiao_title": "Ann", "fapiao_email": "a@example.com"},
    )

    assert response.status_code == 409


def test_an_issued_fapiao_cannot_be_changed(client):
    fapiao = _issued(OrderFactory(), number="24442000000012345678", title="Ann Lee")

    response = client.post(
        _fapiao_url(fapiao.order),
        {"fapiao_kind": "personal", "fapiao_title": "Bob", "fapiao_email": "b@example.com"},
    )

    fapiao.refresh_from_db()
    assert response.status_code == 409
    assert fapiao.title == "Ann Lee"


def test_someone_without_the_token_cannot_request_a_fapiao(client):
    order = OrderFactory()

    response = client.post(
        reverse("orders:fapiao_request", args=[order.number]),
        {"fapiao_title": "Eve", "fapiao_email": "e@example.com"},
    )

    assert response.status_code == 404
    assert not FapiaoRequest.objects.exists()


def test_the_order_page_shows_the_issued_fapiao_its_number_and_a_private_download(client):
    fapiao = _issued(OrderFactory(), title="Ann Lee")
    FapiaoRequest.objects.filter(pk=fapiao.pk).update(number="24442000000012345678")

    page = client.get(fapiao.order.get_access_url()).content.decode()

    download = (
        reverse("orders:fapiao_download", args=[fapiao.order.number]) + f"?token={fapiao.order.access_token}"
    )
    assert "24442000000012345678" in page
    assert f'href="{download}"' in page
    assert "/media/" not in page
    assert 'name="fapiao_title"' not in page


def test_the_link_holder_downloads_the_pdf_as_a_sandboxed_attachment(client):
    fapiao = _issued(OrderFactory())

    response = client.get(
        reverse("orders:fapiao_download", args=[fapiao.order.number]) + f"?token={fapiao.order.access_token}"
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="fapiao-{fapiao.order.number}.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_owner_downloads_without_a_token_and_others_get_a_404(client):
    owner = UserFactory()
    fapiao = _issued(OrderFactory(user=owner))
    url = reverse("orders:fapiao_download", args=[fapiao.order.number])

    stranger = client.get(url)
    client.force_login(owner)
    own = client.get(url)

    assert stranger.status_code == 404
    assert own.status_code == 200


def test_the_pdf_is_not_served_as_public_media(client):
    fapiao = _issued(OrderFactory())

    response = client.get("/media/" + fapiao.pdf.name)

    assert fapiao.pdf.name.startswith("fapiao/")
    assert response.status_code == 404


def test_no_download_before_the_fapiao_is_issued(client):
    fapiao = FapiaoRequestFactory()

    response = client.get(
        reverse("orders:fapiao_download", args=[fapiao.order.number]) + f"?token={fapiao.order.access_token}"
    )

    assert response.status_code == 404
