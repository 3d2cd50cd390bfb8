"""The contact form at /support/: a new ticket from the website."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from support.exceptions import TicketRateLimited
from support.models import Message, Notification, Ticket
from support.services import ip_address_hash, ticket_open_from_form
from tests.factories import OrderFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/support/"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c636000000200"
    "0154a24f5d0000000049454e44ae426082"
)


def form_data(**overrides) -> dict:
    data = {
        "email": "ann@example.com",
        "name": "Ann Lee",
        "subject": "Where is my parcel?",
        "message": "It has been two weeks.",
        "order_number": "",
        "website": "",
    }
    data.update(overrides)
    return data


def test_the_form_shows_every_field_and_hides_the_honeypot(client):
    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    for name in ("email", "name", "subject", "message", "order_number", "attachments"):
        assert f'name="{name}"' in html
    assert '<div class="visually-hidden" aria-hidden="true">' in html
    assert 'name="website"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_submission_opens_a_ticket_and_shows_its_reference(client):
    response = client.post(URL, form_data())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:thanks")
    assert (ticket.subject, ticket.customer_email, ticket.customer_name) == (
        "Where is my parcel?",
        "ann@example.com",
        "Ann Lee",
    )
    assert (ticket.status, ticket.source, ticket.language) == ("new", "web", "en")
    message = ticket.messages.get(direction=Message.Direction.INBOUND)
    assert message.body_text == "It has been two weeks."
    assert message.message_id.endswith("@shop.test>")
    assert ticket.source_ip_hash == ip_address_hash("127.0.0.1")
    assert ticket.messages.get(direction=Message.Direction.OUTBOUND).is_auto is True
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "support.tasks.support_message_send",
        "support.tasks.support_notification_send",
    ]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert ticket.reference in thanks.content.decode()
    assert "ann@example.com" in thanks.content.decode()


def test_the_thanks_page_without_a_ticket_goes_back_to_the_form(client):
    response = client.get(reverse("support:thanks"))

    assert response.status_code == 302
    assert response["Location"] == URL


def test_missing_fields_are_explained_and_nothing_is_stored(client):
    response = client.post(URL, form_data(email="", subject="", message=""))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your email address." in html
    assert "Tell us briefly what it is about." in html
    assert "Write your message." in html
    assert not Ticket.objects.exists()


def test_a_filled_honeypot_sends_nothing(client):
    response = client.post(URL, form_data(website="http://spam.example"))

    assert response.status_code == 400
    assert "Your message could not be sent." in response.content.decode()
    assert not Ticket.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_too_many_tickets_from_one_address_are_refused_with_429(client, settings):
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 2
    TicketFactory.create_batch(2, customer_email="ANN@example.com")

    response = client.post(URL, form_data())

    assert response.status_code == 429
    assert "You have sent us several messages in a short time." in response.content.decode()
    assert Ticket.objects.count() == 2


def test_too_many_tickets_from_one_ip_address_are_refused_with_429(client, settings):
    settings.SUPPORT_RATE_LIMIT_PER_IP = 3
    TicketFactory.create_batch(3, source_ip_hash=ip_address_hash("127.0.0.1"))

    response = client.post(URL, form_data(email="new.person@example.com"))

    assert response.status_code == 429
    assert Ticket.objects.count() == 3


def test_older_tickets_do_not_count_towards_the_rate_limit(client, settings):
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 1
    old = TicketFactory(customer_email="ann@example.com")
    Ticket.objects.filter(pk=old.pk).update(created_at=old.created_at - settings.SUPPORT_RATE_LIMIT_WINDOW)

    response = client.post(URL, form_data())

    assert response.status_code == 302


def test_an_attachment_is_stored_with_the_message(client):
    photo = SimpleUploadedFile("parcel.png", PNG, content_type="image/png")

    response = client.post(URL, {**form_data(), "attachments": [photo]})

    assert response.status_code == 302
    attachment = Message.objects.get(direction=Message.Direction.INBOUND).attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "parcel.png",
        "image/png",
        len(PNG),
    )


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (
            SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            "not accepted",
        ),
        (
            SimpleUploadedFile("photo.png", b"<html>not a png</html>", content_type="image/png"),
            "does not look like",
        ),
    ],
)
def test_attachments_of_the_wrong_type_are_refused(client, upload, error):
    response = client.post(URL, {**form_data(), "attachments": [upload]})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Ticket.objects.exists()


def test_attachments_over_the_size_limit_are_refused(client, settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 50

    response = client.post(URL, {**form_data(), "attachments": [SimpleUploadedFile("big.png", PNG)]})

    assert response.status_code == 400
    assert "is too large" in response.content.decode()


def test_too_many_attachments_are_refused(client, settings):
    settings.SUPPORT_ATTACHMENT_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png") for n in range(2)]

    response = client.post(URL, {**form_data(), "attachments": files})

    assert response.status_code == 400
    assert "Attach at most 1 files." in response.content.decode()


def test_the_order_query_parameter_prefills_the_order_number(client):
    response = client.get(URL, {"order": "mptest2345"})

    assert 'value="MPTEST2345"' in response.content.decode()


def test_a_guest_order_is_linked_when_its_email_matches(client):
    order = OrderFactory(email="Ann@Example.com")

    client.post(URL, form_data(order_number=order.number.lower()))

    ticket = Ticket.objects.get()
    assert ticket.order == order
    assert ticket.order_reference == order.number


@pytest.mark.parametrize("exists", [True, False])
def test_someone_elses_or_a_missing_order_is_not_linked_and_the_answer_is_the_same(client, exists):
    if exists:
        OrderFactory(number="MPTEST2345", email="other@example.com")

    response = client.post(URL, form_data(order_number="MPTEST2345"))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.order is None
    assert ticket.order_reference == "MPTEST2345"


def test_a_signed_in_customer_gets_their_email_and_orders_to_pick_from(client):
    user = UserFactory(email="ann@example.com", full_name="Ann Lee")
    mine = OrderFactory(user=user, email=user.email)
    others = OrderFactory(email="other@example.com")
    client.force_login(user)

    response = client.get(URL, {"order": mine.number})

    html = response.content.decode()
    assert 'value="ann@example.com"' in html
    assert f'<option value="{mine.number}" selected>' in html
    assert others.number not in html


def test_a_signed_in_customer_links_their_own_order(client):
    user = UserFactory(email="ann@example.com")
    mine = OrderFactory(user=user, email="old.address@example.com")
    client.force_login(user)

    client.post(URL, form_data(email="Ann@example.com", order_number=mine.number))

    ticket = Ticket.objects.get()
    assert ticket.order == mine
    assert ticket.customer == user


def test_a_signed_in_customer_cannot_pick_someone_elses_order(client):
    user = UserFactory()
    OrderFactory(user=user, email=user.email)
    others = OrderFactory(email="other@example.com")
    client.force_login(user)

    response = client.post(URL, form_data(order_number=others.number))

    assert response.status_code == 400
    assert "Choose one of your orders." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_malformed_order_number_is_explained(client):
    response = client.post(URL, form_data(order_number="<script>"))

    assert response.status_code == 400
    assert "Enter an order number as it appears in your confirmation" in response.content.decode()


def test_the_service_stores_nothing_when_rate_limited(settings):
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 1
    TicketFactory(customer_email="ann@example.com")

    with pytest.raises(TicketRateLimited) as error:
        ticket_open_from_form(
            email="ann@example.com",
            name="Ann",
            subject="Hello",
            body="Hi",
            attachments=[SimpleUploadedFile("p.png", PNG, content_type="image/png")],
            ip_address="10.0.0.1",
        )

    assert error.value.scope == "email"
    assert Ticket.objects.count() == 1
    assert not Message.objects.exists()
    assert not Notification.objects.exists()
    assert not (settings.MEDIA_ROOT / "support").exists()


def test_the_order_page_links_to_help_with_that_order(client):
    order = OrderFactory()

    response = client.get(order.get_access_url())

    assert f'href="/support/?order={order.number}"' in response.content.decode()
