"""Sign-in throttling (accounts/lockout.py): the wider tiers and the known-device cookie.

Within the cool-off time one IP is locked after too many wrong passwords whatever the addresses,
and one address after too many whatever the IPs; browsers that signed in to the address before
(they carry the known-device cookie) are spared both.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.accounts.helpers import ATTACKER_IP, IP_LOCKED, OTHER_IP, PASSWORD, fail_sign_in, spray
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_LOCKED = "There were too many wrong passwords for this email address, so we paused signing in to it"


def _sign_in(client, email: str, ip: str):
    return client.post(reverse("account:login"), {"username": email, "password": PASSWORD}, REMOTE_ADDR=ip)


# The IP-wide tier: one password sprayed over many addresses from one IP.


def test_one_ip_spraying_a_password_over_many_addresses_is_locked_after_the_ip_limit(client, settings):
    UserFactory(email="bo@example.com")

    before_limit = spray(client, 19)
    at_limit = spray(client, 1, start=19)
    right_password = _sign_in(client, "bo@example.com", ATTACKER_IP)

    assert settings.LOGIN_IP_FAILURE_LIMIT == 20
    assert before_limit.status_code == 200
    assert at_limit.status_code == 429
    assert IP_LOCKED in at_limit.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_ip_lock_leaves_other_ips_alone(client):
    user = UserFactory(email="bo@example.com")
    spray(client, 20)
    elsewhere = Client()

    response = _sign_in(elsewhere, "bo@example.com", OTHER_IP)

    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(user.pk)


def test_signing_in_to_ones_own_account_does_not_clear_the_ips_failures(client):
    UserFactory(email="attacker@example.com")
    spray(client, 19)

    own = _sign_in(client, "attacker@example.com", ATTACKER_IP)
    client.post(reverse("account:logout"))
    next_guess = spray(client, 1, start=19)

    assert own.status_code == 302
    assert next_guess.status_code == 429


def test_a_browser_that_signed_in_to_the_address_before_is_spared_the_ip_lock():
    user = UserFactory(email="bo@example.com")
    bos_browser = Client()
    _sign_in(bos_browser, "bo@example.com", ATTACKER_IP)  # the office network, say
    bos_browser.post(reverse("account:logout"))
    spray(Client(), 20)

    bo_again = _sign_in(bos_browser, "bo@example.com", ATTACKER_IP)
    stranger = _sign_in(Client(), "bo@example.com", ATTACKER_IP)

    assert bo_again.status_code == 302
    assert bos_browser.session["_auth_user_id"] == str(user.pk)
    assert stranger.status_code == 429


# The address-wide tier: guesses against one address from rotating IPs.


def _rotate(email: str, count: int):
    response = None
    for number in range(1, count + 1):
        response = fail_sign_in(Client(), reverse("account:login"), email, 1, ip=f"203.0.113.{number}")
    return response


def test_rotating_ips_against_one_address_locks_it_after_the_account_limit(settings):
    UserFactory(email="ann@example.com")

    before_limit = _rotate("ann@example.com", settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1)
    at_limit = fail_sign_in(Client(), reverse("account:login"), "ann@example.com", 1, ip="192.0.2.50")
    fresh_browser = Client()
    right_password = _sign_in(fresh_browser, "ann@example.com", "192.0.2.99")

    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 10
    assert before_limit.status_code == 200
    assert at_limit.status_code == 429
    assert ACCOUNT_LOCKED in at_limit.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in fresh_browser.session


def test_the_customers_own_browser_still_signs_in_while_the_address_is_locked():
    user = UserFactory(email="ann@example.com")
    anns_browser = Client()
    _sign_in(anns_browser, "ann@example.com", "192.0.2.10")
    anns_browser.post(reverse("account:logout"))
    _rotate("ann@example.com", 10)

    response = _sign_in(anns_browser, "ann@example.com", "192.0.2.11")  # a new IP from her provider

    assert response.status_code == 302
    assert anns_browser.session["_auth_user_id"] == str(user.pk)


def test_a_password_reset_lets_that_browser_sign_in_while_the_address_is_locked():
    user = UserFactory(email="ann@example.com")
    _rotate("ann@example.com", 10)
    browser = Client()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = browser.get(
        reverse("account:password_reset_confirm", args=[uid, default_token_generator.make_token(user)]),
        REMOTE_ADDR="192.0.2.10",
    )
    new_password = "quiet-lantern-77"
    browser.post(
        link["Location"],
        {"new_password1": new_password, "new_password2": new_password},
        REMOTE_ADDR="192.0.2.10",
    )

    response = browser.post(
        reverse("account:login"),
        {"username": "ann@example.com", "password": new_password},
        REMOTE_ADDR="192.0.2.10",
    )

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_the_address_lock_lifts_after_the_cool_off_time(settings):
    user = UserFactory(email="ann@example.com")
    _rotate("ann@example.com", 10)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.latest("attempt_time").attempt_time - settings.AXES_COOLOFF_TIME
    )
    browser = Client()

    response = _sign_in(browser, "ann@example.com", "192.0.2.99")

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)


# The known-device cookie that spares a browser the wider tiers.


def test_the_known_device_cookie_is_httponly_and_does_not_carry_the_address(client):
    UserFactory(email="ann@example.com")

    _sign_in(client, "ann@example.com", OTHER_IP)

    cookie = client.cookies["known_device"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert "ann" not in cookie.value
