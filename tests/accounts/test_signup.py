import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.exceptions import EmailTaken
from accounts.services import user_sign_up
from accounts.tokens import email_verification_token_make
from cart.selectors import cart_quantities_get
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plum-orchard-42"


def run_queued_tasks() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")


def signup_data(**overrides) -> dict:
    return {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | overrides


def test_signup_creates_the_account_and_signs_in(client):
    response = client.post(reverse("account:signup"), signup_data(email="Ann@Example.COM"))

    user = User.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("account:home")
    assert user.email == "Ann@example.com"
    assert user.full_name == "Ann Lee"
    assert user.email_verified_at is None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_stores_the_password_hashed_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    client.post(reverse("account:signup"), signup_data())

    user = User.objects.get()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_signup_refuses_an_email_taken_in_another_letter_case(client):
    UserFactory(email="ann@example.com")

    response = client.post(reverse("account:signup"), signup_data(email="ANN@example.com"))

    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_sign_up_service_refuses_a_taken_email_and_writes_nothing():
    UserFactory(email="ann@example.com")

    with pytest.raises(EmailTaken):
        user_sign_up(email="Ann@EXAMPLE.com", password=PASSWORD, full_name="Ann", language="en")

    assert User.objects.count() == 1


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


def test_signup_goes_on_to_a_safe_next_url_only(client):
    safe = client.post(reverse("account:signup") + "?next=/cart/", signup_data())
    client.post(reverse("account:logout"))
    unsafe = client.post(
        reverse("account:signup") + "?next=https://evil.example.net/",
        signup_data(email="bob@example.com"),
    )

    assert safe["Location"] == "/cart/"
    assert unsafe["Location"] == reverse("account:home")


def test_the_cart_survives_sign_up(client):
    variant = VariantFactory(stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})

    client.post(reverse("account:signup"), signup_data())

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
