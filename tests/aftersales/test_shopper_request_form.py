"""The shopper's request form: who may open it, the review step, sending, and what is refused."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.models import AfterSalesPhoto, AfterSalesRequest
from aftersales.submission import submit_token_issue
from orders.models import OrderLine
from tests.aftersales.helpers import line_of, now, two_line_order
from tests.factories import UserFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c636000000200"
    "0154a24f5d0000000049454e44ae426082"
)


def form_url(order, *, token: bool = True) -> str:
    url = reverse("aftersales:new", kwargs={"number": order.number})
    return f"{url}?token={order.access_token}" if token else url


def post_data(order, *, kind="return", reason="changed_mind", teapots=1, tea=0, **extra) -> dict:
    data = {
        "kind": kind,
        "reason": reason,
        "description": "",
        f"quantity_{line_of(order, 'Teapot').pk}": teapots,
        f"quantity_{line_of(order, 'Tea').pk}": tea,
    }
    if "send" in extra:
        # What the review page hands out: sending comes from a review.
        data["submit_token"] = submit_token_issue(order_number=order.number)
    data.update(extra)
    return data


def png(name="parcel.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_the_owner_opens_the_form_with_each_line_and_the_deadline(client):
    user = UserFactory()
    order = two_line_order(user=user)
    client.force_login(user)

    response = client.get(form_url(order, token=False))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Teapot" in page and "Tea" in page
    assert f'name="quantity_{line_of(order, "Teapot").pk}"' in page
    assert "7-day no-reason return: you can send items back without giving a reason until" in page
    assert 'name="review"' in page
    assert 'name="photos"' not in page


def test_a_guest_with_the_link_opens_the_form(client):
    order = two_line_order()

    response = client.get(form_url(order))

    assert response.status_code == 200


@pytest.mark.parametrize("token", ["", "wrong"])
def test_a_stranger_gets_a_404(client, token):
    order = two_line_order()
    UserFactory()

    response = client.get(form_url(order, token=False) + (f"?token={token}" if token else ""))

    assert response.status_code == 404


def test_another_customer_gets_a_404(client):
    order = two_line_order(user=UserFactory())
    client.force_login(UserFactory())

    response = client.get(form_url(order, token=False))

    assert response.status_code == 404


def test_review_shows_the_items_and_the_amount_without_storing_anything(client):
    order = two_line_order()

    response = client.post(form_url(order), post_data(order, teapots=2, tea=1, review="1"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Review your request" in page
    assert "Teapot \u00d7 2" in page
    assert "¥250.00" in page
    assert "Shipping is refunded too when everything you ordered comes back." in page
    assert 'name="photos"' in page and 'name="send"' in page
    assert AfterSalesRequest.objects.count() == 0


def test_review_of_an_exchange_names_the_option_wanted_and_no_amount(client):
    order = two_line_order()
    teapot = line_of(order, "Teapot")
    other = VariantFactory(
        product=teapot.variant.product, price=teapot.variant.price, options={"Colour": "Red"}
    )
    VariantFactory(product=teapot.variant.product, price="120.00")

    response = client.post(
        form_url(order),
        post_data(
            order, kind="exchange", reason="wrong_size", review="1", **{f"exchange_{teapot.pk}": other.pk}
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "for Colour: Red" in page
    assert "You would get back" not in page


def test_the_form_offers_only_options_at_the_same_price(client):
    order = two_line_order()
    teapot = line_of(order, "Teapot")
    same = VariantFactory(product=teapot.variant.product, price=teapot.variant.price)
    dearer = VariantFactory(product=teapot.variant.product, price="120.00")

    page = client.get(form_url(order)).content.decode()

    assert f'value="{same.pk}"' in page
    assert f'value="{dearer.pk}"' not in page
    assert "(the same as yours)" in page


def test_an_exchange_is_sent_with_the_option_chosen(client):
    order = two_line_order()
    teapot = line_of(order, "Teapot")
    other = VariantFactory(product=teapot.variant.product, price=teapot.variant.price)

    response = client.post(
        form_url(order),
        post_data(
            order, kind="exchange", reason="wrong_size", send="1", **{f"exchange_{teapot.pk}": other.pk}
        ),
    )

    assert response.status_code == 302
    request = AfterSalesRequest.objects.get()
    assert (request.kind, request.lines.get().exchange_variant_id) == ("exchange", other.pk)


def test_sending_with_photos_creates_the_request_and_goes_back_to_the_order(client):
    order = two_line_order()

    response = client.post(
        form_url(order),
        {**post_data(order, send="1", description="Too big"), "photos": [png(), png("b.png")]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{order.get_absolute_url()}?token={order.access_token}"
    request = AfterSalesRequest.objects.get()
    assert (request.kind, request.reason, request.description) == ("return", "changed_mind", "Too big")
    assert [(line.order_line_id, line.quantity) for line in request.lines.all()] == [
        (line_of(order, "Teapot").pk, 1)
    ]
    assert request.photos.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert f"Your request {request.number} is sent." in page


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([SimpleUploadedFile("tool.exe", b"MZ\x90\x00")], "tool.exe: this type of file is not accepted."),
        ([SimpleUploadedFile("fake.png", b"not a png at all")], "fake.png does not look like a .png file."),
        ([png(f"p{n}.png") for n in range(6)], "Attach at most 5 files."),
    ],
)
def test_bad_photos_are_refused_with_a_clear_message_and_nothing_is_stored(client, photos, message):
    order = two_line_order()

    response = client.post(form_url(order), {**post_data(order, send="1"), "photos": photos})

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "Review your request" in page
    assert AfterSalesRequest.objects.count() == 0
    assert AfterSalesPhoto.objects.count() == 0


def test_a_photo_too_large_is_refused(client, settings):
    settings.AFTER_SALES_PHOTO_MAX_BYTES = 10
    order = two_line_order()

    response = client.post(form_url(order), {**post_data(order, send="1"), "photos": [png()]})

    assert response.status_code == 400
    assert "parcel.png is too large" in response.content.decode()


def test_no_units_chosen_is_refused_on_review(client):
    order = two_line_order()

    response = client.post(form_url(order), post_data(order, teapots=0, review="1"))

    assert response.status_code == 400
    assert "Choose at least one item and how many." in response.content.decode()


def test_more_units_than_left_is_refused_on_review(client):
    order = two_line_order()

    response = client.post(form_url(order), post_data(order, teapots=3, review="1"))

    assert response.status_code == 400
    assert "You can ask about at most 2." in response.content.decode()


def test_a_reason_that_does_not_fit_the_kind_is_refused(client):
    order = two_line_order()

    response = client.post(
        form_url(order), post_data(order, kind="refund", reason="changed_mind", review="1")
    )

    assert response.status_code == 400
    assert "Choose a reason that fits what you are asking for." in response.content.decode()


def test_a_closed_window_is_refused_with_its_date_and_nothing_is_stored(client):
    order = two_line_order(received_at=now() - timedelta(days=20))

    response = client.post(form_url(order), post_data(order, send="1"))

    page = response.content.decode()
    assert response.status_code == 409
    assert "The 7-day no-reason return for this order ended on" in page
    assert AfterSalesRequest.objects.count() == 0


def test_an_exempt_line_is_stated_and_refused_for_a_no_reason_return(client):
    order = two_line_order()
    OrderLine.objects.filter(pk=line_of(order, "Tea").pk).update(return_exemption="perishable")

    form = client.get(form_url(order)).content.decode()
    response = client.post(form_url(order), post_data(order, teapots=0, tea=1, send="1"))

    assert "No 7-day no-reason return: Fresh, live or perishable goods" in form
    assert response.status_code == 409
    assert (
        "Tea cannot be returned without a reason: Fresh, live or perishable goods."
        in response.content.decode()
    )
    assert AfterSalesRequest.objects.count() == 0


def test_an_unshipped_order_sends_the_shopper_back_to_the_order(client):
    order = place((VariantFactory(), 1))

    response = client.get(form_url(order))

    assert response.status_code == 302
    assert response["Location"].startswith(order.get_absolute_url())


def test_the_form_reads_in_chinese(client):
    order = two_line_order()

    page = client.get(form_url(order), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "退货、退款或换货" in page
    assert "7天无理由退货" in page


def test_sending_without_the_review_shows_the_review_and_stores_nothing(client):
    order = two_line_order()

    response = client.post(form_url(order), {**post_data(order), "send": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please check your request below, then send it." in page
    assert 'name="submit_token"' in page and "You would get back" in page
    assert not AfterSalesRequest.objects.exists()


def test_a_token_of_another_order_is_not_accepted(client):
    order, other = two_line_order(), two_line_order()
    data = {**post_data(order), "send": "1", "submit_token": submit_token_issue(order_number=other.number)}

    response = client.post(form_url(order), data)

    assert response.status_code == 400
    assert not AfterSalesRequest.objects.exists()


def test_the_same_review_sent_twice_makes_one_request(client):
    order = two_line_order()
    data = post_data(order, send="1")

    first = client.post(form_url(order), data)
    second = client.post(form_url(order), data)

    assert (first.status_code, second.status_code) == (302, 302)
    request = AfterSalesRequest.objects.get()
    assert request.lines.get().quantity == 1
    assert order.emails.filter(kind="after_sales").count() == 1


def test_posting_to_an_order_that_allows_no_request_answers_409_and_stores_nothing(client):
    order = two_line_order()
    type(order).objects.filter(pk=order.pk).update(fulfilment_status="unfulfilled")

    response = client.post(form_url(order), post_data(order, send="1"))

    assert response.status_code == 409
    assert "once a paid order has shipped" in response.content.decode()
    assert not AfterSalesRequest.objects.exists()


def test_an_order_takes_a_limited_number_of_requests(client, settings):
    settings.AFTER_SALES_MAX_REQUESTS_PER_ORDER = 1
    order = two_line_order()
    assert client.post(form_url(order), post_data(order, send="1")).status_code == 302

    response = client.post(form_url(order), post_data(order, teapots=0, tea=1, send="1"))

    assert response.status_code == 409
    assert "as many requests as we take online" in response.content.decode()
    assert AfterSalesRequest.objects.count() == 1


def test_an_option_gone_from_the_exchange_list_does_not_stop_a_return(client):
    order = two_line_order()
    teapot = line_of(order, "Teapot")
    VariantFactory(product=teapot.variant.product, price=teapot.variant.price, sku="TEAPOT-RED")
    data = post_data(order, send="1", **{f"exchange_{teapot.pk}": "999999"})

    response = client.post(form_url(order), data)

    assert response.status_code == 302
    assert AfterSalesRequest.objects.get().kind == "return"
