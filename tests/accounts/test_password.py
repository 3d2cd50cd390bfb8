import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "correct-horse-battery"  # UserFactory's password
NEW_PASSWORD = "quiet-lantern-77"
SITE_URL = "http://127.0.0.1:8000"


def run_queued_tasks() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")


@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_queued_then_sent_and_its_link_sets_a_new_password(client):
    user = UserFactory(email="ann@example.com")

    response = client.post(reverse("account:password_reset"), {"email": "ANN@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account:password_reset_done")
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1
    run_queued_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.com"]
    assert message.subject == "Reset your password at Maple & Pine"
    link = next(line for line in message.body.splitlines() if "/account/password/reset/" in line).strip()
    assert link.startswith(SITE_URL)
    assert message.alternatives[0][0].count(link) == 1
    form_page = client.get(link.removeprefix(SITE_URL), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("account:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(link.removeprefix(SITE_URL)).status_code == 400  # a link works once


@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_written_in_the_language_of_the_request(client):
    UserFactory(email="ann@example.com")

    client.post(
        reverse("account:password_reset"), {"email": "ann@example.com"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    run_queued_tasks()

    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["language"] == "zh-hans"
    assert '<html lang="zh-hans">' in mail.outbox[0].alternatives[0][0]


def test_password_reset_for_an_unknown_address_queues_nothing_and_reveals_nothing(client):
    response = client.post(reverse("account:password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account:password_reset_done")
    assert DBTaskResult.objects.count() == 0


def test_password_reset_form_rejects_garbage(client):
    response = client.post(reverse("account:password_reset"), {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert DBTaskResult.objects.count() == 0


def test_a_bad_password_reset_link_is_refused(client):
    response = client.get(
        reverse("account:password_reset_confirm", kwargs={"uidb64": "zzzz", "token": "abc-def"})
    )

    assert response.status_code == 400
    assert "This password reset link is invalid, expired or already used." in response.content.decode()


def test_change_password_needs_the_old_password(client):
    user = UserFactory()
    client.force_login(user)

    refused = client.post(
        reverse("account:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    user.refresh_from_db()
    still_old = user.check_password(OLD_PASSWORD)
    response = client.post(
        reverse("account:password_change"),
        {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert refused.status_code == 200
    assert "Your old password was entered incorrectly." in refused.content.decode()
    assert still_old
    assert response.status_code == 302
    assert response["Location"] == reverse("account:home")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("account:home")).status_code == 200  # still signed in
