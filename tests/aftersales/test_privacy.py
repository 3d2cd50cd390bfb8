"""A customer's after-sales requests in the data export and the account erasure."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.exceptions import AccountHasOpenOrders
from accounts.privacy import account_delete, privacy_export
from aftersales.models import AfterSalesPhoto, AfterSalesRequest
from aftersales.services import after_sales_approve, after_sales_reject
from tests.aftersales.helpers import ask, two_line_order
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def customer_order():
    user = UserFactory(email="ann@example.com")
    order = two_line_order(user=user, email=user.email)
    return user, order


def test_the_export_lists_the_requests_with_their_lines_and_photo_names():
    user, order = customer_order()
    request = ask(order, description="Too small", photos=[SimpleUploadedFile("box.png", PNG, "image/png")])

    exported = privacy_export(user=user)["aftersales"]

    assert exported == [
        {
            **exported[0],
            "number": request.number,
            "order": order.number,
            "description": "Too small",
            "status": "requested",
            "lines": [{"product_name": "Teapot", "sku": request.lines.get().order_line.sku, "quantity": 1}],
            "photos": ["box.png"],
        }
    ]


def test_an_open_request_blocks_the_erasure_and_changes_nothing():
    user, order = customer_order()
    request = ask(order, description="Too small")
    after_sales_approve(request=request, actor=StaffUserFactory(), return_address="1 Shop Road")

    with pytest.raises(AccountHasOpenOrders) as blocked:
        account_delete(user=user)

    assert blocked.value.numbers == [request.number]
    assert AfterSalesRequest.objects.get(pk=request.pk).description == "Too small"


def test_erasure_blanks_descriptions_and_deletes_photos_of_ended_requests():
    user, order = customer_order()
    request = ask(order, description="Too small", photos=[SimpleUploadedFile("box.png", PNG, "image/png")])
    stored = AfterSalesPhoto.objects.get(request=request).file.name
    after_sales_reject(request=request, actor=StaffUserFactory(), reason="Used")

    account_delete(user=user)

    request.refresh_from_db()
    assert request.description == ""
    assert request.status == "rejected"
    assert not AfterSalesPhoto.objects.filter(request=request).exists()
    assert not default_storage.exists(stored)
