import re
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.exceptions import EmailTaken, InvalidToken
from accounts.services import user_email_change_confirm, user_email_change_request
from accounts.tokens import email_change_token_make, email_verification_token_make
from tests.factories import UserFactory
from tests.helpers import run_tasks

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "correct-horse-battery"  # UserFactory's password
SITE_URL = "http://127.0.0.1:8000"
FOUR_DAYS = 4 * 24 * 60 * 60
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def confirm_path(user, new_email: str) -> str:
    return reverse(
        "account:email_change_confirm",
        kwargs={"token": email_change_token_make(user=user, new_email=new_email)},
    )


@pytest.mark.django_db(transaction=True)
def test_email_change_sends_a_link_to_the_new_address_and_changes_only_when_it_is_opened(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    response = client.post(
        reverse("account:email_change"), {"new_email": "ann@new.example.com", "current_password": PASSWORD}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "ann@example.com"
    run_tasks()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["ann@example.com", "ann@new.example.com"]
    assert "asked to change its email address to ann@new.example.com" in by_recipient["ann@example.com"].body
    link = next(
        line
        for line in by_recipient["ann@new.example.com"].body.splitlines()
        if "/account/email/confirm/" in line
    )
    path = link.strip().removeprefix(SITE_URL)
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert user.email == "ann@example.com"  # opening the page alone changes nothing

    confirmed = client.post(path)

    user.refresh_from_db()
    assert confirmed.status_code == 302
    assert user.email == "ann@new.example.com"
    assert user.email_verified_at is not None
    mail.outbox.clear()
    run_tasks()
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]
    assert "was changed from ann@example.com to ann@new.example.com" in mail.outbox[0].body
    assert client.get(path).status_code == 400  # the link works once
    assert client.post(path).status_code == 400


def test_email_change_needs_the_current_password(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    response = client.post(
        reverse("account:email_change"), {"new_email": "ann@new.example.com", "current_password": "wrong"}
    )

    assert response.status_code == 200
    assert "Your current password is not correct." in response.content.decode()
    assert DBTaskResult.objects.count() == 0


def _change_answer(client, email: str) -> dict:
    """What asking for a new address answers, with the typed address and the CSRF token masked."""
    response = client.post(
        reverse("account:email_change"), {"new_email": email, "current_password": PASSWORD}
    )
    page = client.get(response["Location"])
    return {
        "status": response.status_code,
        "location": response["Location"],
        "cookies": sorted(set(response.cookies) - {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME}),
        "templates": [template.name for template in page.templates],
        "messages": [str(message).replace(email, "EMAIL") for message in page.context["messages"]],
        "html": CSRF_VALUE.sub("csrf", page.content.decode()).replace(email, "EMAIL"),
    }


def test_email_change_to_an_address_another_account_uses_answers_exactly_like_a_free_one(client):
    user = UserFactory(email="ann@example.com")
    UserFactory(email="bob@example.com")
    client.force_login(user)

    free = _change_answer(client, "ann@new.example.com")
    taken = _change_answer(client, "BOB@example.com")

    assert taken == free
    assert (free["status"], free["location"]) == (302, reverse("account:home"))
    assert free["messages"] == [
        "We sent a confirmation link to EMAIL. Your email address changes when you open it."
    ]
    assert "already uses" not in taken["html"]


def test_email_change_request_to_a_taken_address_tells_its_owner_and_sends_no_link():
    user = UserFactory(email="ann@example.com")
    owner = UserFactory(email="bob@example.com")

    user_email_change_request(user=user, new_email="Bob@Example.com", language="en")

    queued = sorted(
        (task.args_kwargs["kwargs"] for task in DBTaskResult.objects.all()), key=lambda kwargs: kwargs["kind"]
    )
    assert queued == [
        {
            "kind": "email_change_address_taken",
            "user_id": owner.pk,
            "language": "en",
            "new_email": "bob@example.com",
        },
        {
            "kind": "email_change_requested",
            "user_id": user.pk,
            "language": "en",
            "new_email": "Bob@example.com",
            "old_email": "ann@example.com",
        },
    ]


@pytest.mark.django_db(transaction=True)
def test_the_owner_of_a_taken_address_hears_of_the_change_request_and_nobody_gets_a_link(client):
    user = UserFactory(email="ann@example.com")
    UserFactory(email="bob@example.com", full_name="Bob Ray")
    client.force_login(user)

    client.post(
        reverse("account:email_change"), {"new_email": "bob@example.com", "current_password": PASSWORD}
    )
    run_tasks()

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["ann@example.com", "bob@example.com"]
    notice = by_recipient["bob@example.com"]
    assert notice.subject == "Another Maple & Pine account asked for your email address"
    assert "so we sent no confirmation link and nothing changed" in " ".join(notice.body.split())
    assert "ann@example.com" not in notice.body
    assert "/account/email/confirm/" not in notice.body + by_recipient["ann@example.com"].body
    assert "asked to change its email address to bob@example.com" in by_recipient["ann@example.com"].body


def test_email_change_link_is_refused_when_the_address_was_taken_meanwhile(client):
    user = UserFactory(email="ann@example.com")
    path = confirm_path(user, "taken@example.com")
    UserFactory(email="Taken@Example.com")

    response = client.post(path)

    user.refresh_from_db()
    assert response.status_code == 400
    assert "This email address already belongs to an account, so your address was not changed." in (
        response.content.decode()
    )
    assert user.email == "ann@example.com"
    assert DBTaskResult.objects.count() == 0


def test_email_change_confirm_service_changes_nothing_when_the_address_is_taken():
    user = UserFactory(email="ann@example.com")
    token = email_change_token_make(user=user, new_email="taken@example.com")
    UserFactory(email="TAKEN@example.com")

    with pytest.raises(EmailTaken):
        user_email_change_confirm(token=token, language="en")

    user.refresh_from_db()
    assert user.email == "ann@example.com"
    assert user.email_verified_at is None


def test_an_expired_email_change_link_is_refused(client, monkeypatch):
    user = UserFactory(email="ann@example.com")
    real_time = time.time
    with monkeypatch.context() as clock:
        clock.setattr(time, "time", lambda: real_time() - FOUR_DAYS)
        path = confirm_path(user, "ann@new.example.com")

    response = client.post(path)

    user.refresh_from_db()
    assert response.status_code == 400
    assert "This email change link is invalid, expired or already used." in response.content.decode()
    assert user.email == "ann@example.com"


def test_a_tampered_email_change_link_is_refused(client):
    user = UserFactory(email="ann@example.com")
    token = email_change_token_make(user=user, new_email="ann@new.example.com")
    payload, timestamp, signature = token.rsplit(":", 2)
    forged = email_change_token_make(user=user, new_email="mallory@example.com").rsplit(":", 2)[0]

    responses = [
        client.get(
            reverse("account:email_change_confirm", kwargs={"token": f"{forged}:{timestamp}:{signature}"})
        ),
        client.post(
            reverse("account:email_change_confirm", kwargs={"token": f"{payload}:{timestamp}:{signature}x"})
        ),
        client.post(reverse("account:email_change_confirm", kwargs={"token": "garbage"})),
    ]

    user.refresh_from_db()
    assert [response.status_code for response in responses] == [400, 400, 400]
    assert user.email == "ann@example.com"


def test_an_email_verification_token_does_not_open_the_email_change_page(client):
    user = UserFactory(email="ann@example.com")
    token = email_verification_token_make(user=user)

    with pytest.raises(InvalidToken):
        user_email_change_confirm(token=token, language="en")

    assert client.post(reverse("account:email_change_confirm", kwargs={"token": token})).status_code == 400


def test_email_change_form_refuses_the_current_address_and_garbage(client):
    client.force_login(UserFactory(email="ann@example.com"))

    same = client.post(
        reverse("account:email_change"), {"new_email": "ANN@example.com", "current_password": PASSWORD}
    )
    garbage = client.post(reverse("account:email_change"), {"new_email": "@@", "current_password": ""})

    assert "This is already your email address." in same.content.decode()
    assert "Enter a valid email address." in garbage.content.decode()
    assert "Enter your current password." in garbage.content.decode()
    assert DBTaskResult.objects.count() == 0
