import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.services import user_sign_up
from accounts.tokens import email_verification_token_make
from cart.selectors import cart_quantities_get
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plum-orchard-42"
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def run_queued_tasks() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")


def signup_data(**overrides) -> dict:
    return {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | overrides


def test_signup_creates_an_unverified_account_and_asks_to_check_the_inbox_without_signing_in(client):
    response = client.post(reverse("account:signup"), signup_data(email="Ann@Example.COM"))

    user = User.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("account:signup_done")
    assert user.email == "Ann@example.com"
    assert user.full_name == "Ann Lee"
    assert user.email_verified_at is None
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert [str(message) for message in page.context["messages"]] == ["We sent an email to Ann@example.com."]
    assert "Check your email" in page.content.decode()


def test_a_new_account_signs_in_with_the_password_it_chose(client):
    client.post(reverse("account:signup"), signup_data())

    response = client.post(reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_signup_stores_the_password_hashed_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    client.post(reverse("account:signup"), signup_data())

    user = User.objects.get()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def _answer(client, email: str) -> dict:
    """What a sign-up answers, with the typed address and the per-client CSRF token masked."""
    response = client.post(reverse("account:signup") + "?next=/cart/", signup_data(email=email))
    page = client.get(response["Location"])
    html = CSRF_VALUE.sub("csrf", page.content.decode()).replace(email, "EMAIL")
    return {
        "status": response.status_code,
        "location": response["Location"],
        "cookies": sorted(set(response.cookies) - {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME}),
        "signed_in": "_auth_user_id" in client.session,
        "page_status": page.status_code,
        "templates": [template.name for template in page.templates],
        "messages": [str(message).replace(email, "EMAIL") for message in page.context["messages"]],
        "html": html,
    }


def test_signup_with_a_taken_address_answers_exactly_like_a_new_one(client):
    owner = UserFactory(email="ann@example.com", full_name="Ann Owner")
    password_before = owner.password

    new = _answer(Client(), "bo@example.com")
    taken = _answer(client, "ANN@example.com")

    assert taken == new
    assert new["status"] == 302
    assert new["location"] == reverse("account:signup_done") + "?next=%2Fcart%2F"
    assert new["signed_in"] is False
    assert "already exists" not in taken["html"]
    assert sorted(User.objects.values_list("email", flat=True)) == ["ann@example.com", "bo@example.com"]
    owner.refresh_from_db()
    assert (owner.full_name, owner.password) == ("Ann Owner", password_before)


def test_signup_with_a_taken_address_queues_a_notice_to_its_owner_and_no_verification():
    owner = UserFactory(email="ann@example.com")

    created = user_sign_up(email="Ann@EXAMPLE.com", password=PASSWORD, full_name="Mallory", language="en")

    assert created is None
    assert User.objects.count() == 1
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.tasks.account_email_send"
    assert task.args_kwargs["kwargs"] == {
        "kind": "signup_address_taken",
        "user_id": owner.pk,
        "language": "en",
        "new_email": "ann@example.com",
    }


@pytest.mark.django_db(transaction=True)
def test_the_owner_of_a_taken_address_is_told_by_email_with_nothing_the_requester_typed(client):
    UserFactory(email="ann@example.com", full_name="Ann Lee")

    client.post(
        reverse("account:signup"), signup_data(email="ANN@example.com", full_name="Visit evil.example")
    )
    run_queued_tasks()

    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert message.to == ["ann@example.com"]
    assert message.subject == "You already have an account at Maple & Pine"
    assert "Someone asked to create a new Maple & Pine account with your email address, ann@example.com." in (
        " ".join(message.body.split())
    )
    assert "http://127.0.0.1:8000/account/login/" in message.body
    assert "http://127.0.0.1:8000/account/password/reset/" in message.body
    assert 'href="http://127.0.0.1:8000/account/password/reset/"' in html
    for typed in ("evil", "ANN@example.com", PASSWORD):
        assert typed not in message.body
        assert typed not in html


@pytest.mark.django_db(transaction=True)
def test_the_owner_notice_is_in_the_language_the_owner_shops_in(client):
    owner = UserFactory(email="ann@example.com", full_name="Ann Lee")
    OrderFactory(user=owner, email=owner.email, language="zh-hans")

    client.post(reverse("account:signup"), signup_data(), HTTP_ACCEPT_LANGUAGE="en")
    run_queued_tasks()

    [message] = mail.outbox
    assert message.subject == "您在 Maple & Pine 已有账户"
    assert "我们没有创建新账户" in message.body


def test_signup_shows_errors_for_mismatched_and_weak_passwords(client):
    mismatched = client.post(reverse("account:signup"), signup_data(password2="other-password-42"))
    weak = client.post(reverse("account:signup"), signup_data(password1="123", password2="123"))

    assert mismatched.status_code == 200
    assert "The two passwords do not match." in mismatched.content.decode()
    assert weak.status_code == 200
    assert "This password is too short." in weak.content.decode()
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not-an-email", "full_name": "x", "password1": "a", "password2": "b"},
        {
            "email": "a@" + "b" * 300 + ".com",
            "full_name": "x" * 500,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        {"email": "ann@example.com", "full_name": "   ", "password1": PASSWORD, "password2": PASSWORD},
        {"email": ["a@example.com", "b@example.com"], "full_name": "\x00", "password1": PASSWORD},
    ],
)
def test_signup_answers_garbage_with_form_errors(client, data):
    response = client.post(reverse("account:signup"), data)

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.count() == 0


def test_signup_carries_a_safe_next_url_only_to_the_sign_in_link(client):
    safe = client.post(reverse("account:signup") + "?next=/cart/", signup_data())
    unsafe = client.post(
        reverse("account:signup") + "?next=https://evil.example.net/",
        signup_data(email="bob@example.com"),
    )

    assert safe["Location"] == reverse("account:signup_done") + "?next=%2Fcart%2F"
    assert unsafe["Location"] == reverse("account:signup_done")
    assert 'href="/account/login/?next=/cart/"' in client.get(safe["Location"]).content.decode()
    unsafe_page = client.get(reverse("account:signup_done") + "?next=https://evil.example.net/")
    assert 'href="/account/login/"' in unsafe_page.content.decode()


def test_the_cart_survives_sign_up_and_the_sign_in_after_it(client):
    # Sign-up no longer signs in (that would tell a new address from a taken one), so the
    # cart must outlive both steps: the sign-up, then signing in with the new password.
    variant = VariantFactory(stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    client.post(reverse("account:signup"), signup_data())
    after_sign_up = cart_quantities_get(session=client.session)
    client.post(reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD})

    assert after_sign_up == {variant.pk: 2}
    assert "_auth_user_id" in client.session
    assert cart_quantities_get(session=client.session) == {variant.pk: 2}


@pytest.mark.django_db(transaction=True)
def test_signup_sends_a_verification_link_that_verifies_the_address(client):
    client.post(reverse("account:signup"), signup_data())
    assert mail.outbox == []  # queued, not sent inline

    run_queued_tasks()

    user = User.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.com"]
    assert message.subject == "Verify your email address at Maple & Pine"
    link = next(line for line in message.body.splitlines() if "/account/verify/" in line).strip()
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is None  # opening the page alone changes nothing

    response = client.post(path)

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.email_verified_at is not None


def test_a_tampered_verification_link_is_refused(client):
    user = UserFactory()
    token = email_verification_token_make(user=user)

    response = client.post(reverse("account:email_verify", kwargs={"token": token[:-2] + "xx"}))

    user.refresh_from_db()
    assert response.status_code == 400
    assert "This verification link is invalid or expired." in response.content.decode()
    assert user.email_verified_at is None


def test_account_page_offers_to_resend_the_verification_link(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("account:home"))
    response = client.post(reverse("account:verification_resend"))

    assert "Please verify your email address" in page.content.decode()
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.tasks.account_email_send"
    assert task.args_kwargs["kwargs"]["kind"] == "email_verify"
    assert task.args_kwargs["kwargs"]["user_id"] == user.pk
