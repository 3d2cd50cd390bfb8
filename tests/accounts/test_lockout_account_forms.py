"""Sign-in throttling of the account forms' password checks.

The current password asked by the email change, delete account and password change forms counts
as a sign-in attempt: wrong ones lock the form like sign-in failures, and a stored failure keeps
none of the passwords typed.
"""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from shop.models import User
from tests.accounts.helpers import ATTACKER_IP, IP_LOCKED, OTHER_IP, PASSWORD, fail_sign_in, spray
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_change_requests_not_rate_limited(settings):
    # The email-change requests' own rate limit (per IP and new address) is tested elsewhere;
    # here several requests in a row are about the sign-in lockout only.
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL = 100
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_IP = 100


def _change_email(client, password: str, ip: str = ATTACKER_IP):
    return client.post(
        reverse("account:email_change"),
        {"new_email": "ann@new.example.com", "current_password": password},
        REMOTE_ADDR=ip,
    )


def _delete_account(client, password: str, ip: str = ATTACKER_IP):
    return client.post(
        reverse("account:account_delete"), {"current_password": password, "confirm": "on"}, REMOTE_ADDR=ip
    )


def _change_password(client, old_password: str, ip: str = ATTACKER_IP):
    new = "quiet-lantern-77"
    return client.post(
        reverse("account:password_change"),
        {"old_password": old_password, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=ip,
    )


def test_wrong_passwords_on_the_email_change_form_lock_it_like_sign_in_failures(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    fourth = [_change_email(client, "wrong-guess") for _ in range(4)][-1]
    fifth = _change_email(client, "wrong-guess")
    right_password = _change_email(client, PASSWORD)

    assert fourth.status_code == 200
    assert "Your current password is not correct." in fourth.content.decode()
    assert fifth.status_code == 429
    assert "Signing in is paused" in fifth.content.decode()
    assert right_password.status_code == 429
    assert "Signing in is paused" in right_password.content.decode()
    user.refresh_from_db()
    assert user.email == "ann@example.com"
    assert not DBTaskResult.objects.exists()  # no confirmation link was sent


def test_the_email_change_form_works_from_an_unrelated_ip_while_one_ip_is_locked(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)
    for _ in range(5):
        _change_email(client, "wrong-guess")

    response = _change_email(client, PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert DBTaskResult.objects.exists()


def test_an_ip_locked_for_spraying_is_refused_on_the_email_change_form_too(client):
    user = UserFactory(email="ann@example.com")
    spray(Client(), 20)
    client.force_login(user)

    response = _change_email(client, PASSWORD)

    assert response.status_code == 429
    assert IP_LOCKED in response.content.decode()
    assert not DBTaskResult.objects.exists()


def test_email_change_failures_count_toward_the_sign_in_lockout(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)
    for _ in range(3):
        _change_email(client, "wrong-guess")
    client.post(reverse("account:logout"))

    response = fail_sign_in(client, reverse("account:login"), "ann@example.com", 2)

    assert response.status_code == 429


def test_wrong_passwords_on_the_delete_account_form_lock_it_like_sign_in_failures(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    fourth = [_delete_account(client, "wrong-guess") for _ in range(4)][-1]
    fifth = _delete_account(client, "wrong-guess")
    right_password = _delete_account(client, PASSWORD)

    assert fourth.status_code == 400
    assert "Your current password is not correct." in fourth.content.decode()
    assert fifth.status_code == 429
    assert right_password.status_code == 429
    assert "Signing in is paused" in right_password.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_the_delete_account_form_works_from_an_unrelated_ip_while_one_ip_is_locked(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)
    for _ in range(5):
        _delete_account(client, "wrong-guess")

    response = _delete_account(client, PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_wrong_old_passwords_on_the_password_change_form_lock_it_too(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    for _ in range(5):
        _change_password(client, "wrong-guess")
    right_password = _change_password(client, PASSWORD)

    assert right_password.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_stored_failure_keeps_none_of_the_passwords_typed(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    _change_email(client, "typed-secret-1")
    _change_password(client, "typed-secret-2")

    stored = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert AccessAttempt.objects.get().failures_since_start == 2
    assert "typed-secret" not in stored
    assert "quiet-lantern" not in stored
