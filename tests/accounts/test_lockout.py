"""Sign-in throttling (django-axes): the lock on one address tried from one IP.

Five wrong passwords for an (address, IP) pair within the cool-off time lock that pair and no other;
the admin login is throttled the same way. The wider tiers and the account forms' password checks
are tested in test_lockout_wider_tiers.py and test_lockout_account_forms.py.
"""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.accounts.helpers import ATTACKER_IP, OTHER_IP, PASSWORD, fail_sign_in
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_fifth_wrong_password_locks_the_address_from_that_ip_with_a_clear_page(client, settings):
    UserFactory(email="ann@example.com")
    login_url = reverse("account:login")

    fourth = fail_sign_in(client, login_url, "ann@example.com", 4)
    fifth = fail_sign_in(client, login_url, "ann@example.com", 1)

    assert settings.AXES_FAILURE_LIMIT == 5
    assert fourth.status_code == 200
    assert "The email address or password is not correct." in fourth.content.decode()
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Signing in is paused" in page
    assert "we paused signing in to it for 15 minutes" in page


def test_a_locked_pair_is_refused_even_with_the_right_password(client):
    UserFactory(email="ann@example.com")
    fail_sign_in(client, reverse("account:login"), "ann@example.com", 5)

    response = client.post(
        reverse("account:login"),
        {"username": "ann@example.com", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER_IP,
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_changing_the_letter_case_of_the_address_does_not_get_more_tries(client):
    UserFactory(email="ann@example.com")
    login_url = reverse("account:login")

    for variant in ("ann@example.com", "ANN@example.com", "Ann@Example.com", "aNN@example.COM"):
        fail_sign_in(client, login_url, variant, 1)
    response = fail_sign_in(client, login_url, "ann@EXAMPLE.com", 1)

    assert response.status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["ann@example.com"]


def test_the_same_address_from_another_ip_can_still_sign_in(client):
    user = UserFactory(email="ann@example.com")
    fail_sign_in(client, reverse("account:login"), "ann@example.com", 5)

    response = client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD}, REMOTE_ADDR=OTHER_IP
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_another_address_from_the_locked_ip_can_still_sign_in(client):
    UserFactory(email="ann@example.com")
    other = UserFactory(email="bo@example.com")
    fail_sign_in(client, reverse("account:login"), "ann@example.com", 5)

    response = client.post(
        reverse("account:login"),
        {"username": "bo@example.com", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER_IP,
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_the_lock_lifts_after_the_cool_off_time(client, settings):
    user = UserFactory(email="ann@example.com")
    fail_sign_in(client, reverse("account:login"), "ann@example.com", 5)

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    )
    response = client.post(
        reverse("account:login"),
        {"username": "ann@example.com", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER_IP,
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_sign_in_clears_earlier_failures(client):
    UserFactory(email="ann@example.com")
    login_url = reverse("account:login")
    fail_sign_in(client, login_url, "ann@example.com", 4)

    client.post(login_url, {"username": "ann@example.com", "password": PASSWORD}, REMOTE_ADDR=ATTACKER_IP)
    client.post(reverse("account:logout"))
    after = fail_sign_in(client, login_url, "ann@example.com", 4)

    assert after.status_code == 200


def test_the_admin_login_is_throttled_too(client):
    StaffUserFactory(email="boss@example.com")
    admin_login = reverse("admin:login")

    response = fail_sign_in(client, admin_login, "boss@example.com", 5)
    refused = client.post(
        admin_login, {"username": "boss@example.com", "password": PASSWORD}, REMOTE_ADDR=ATTACKER_IP
    )

    assert response.status_code == 429
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
