"""Sign-in throttling (django-axes and accounts/lockout.py).

Three tiers within the cool-off time: an (address, IP) pair, one IP whatever the addresses, and
one address whatever the IPs (browsers that signed in to it before are spared the wider two).
The password checks of the account forms count as sign-in attempts.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

from shop.models import User
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's password
ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"


@pytest.fixture(autouse=True)
def _email_change_requests_not_rate_limited(settings):
    # The email-change requests' own rate limit (per IP and new address) is tested elsewhere;
    # here several requests in a row are about the sign-in lockout only.
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL = 100
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_IP = 100


def _fail(client, url: str, username: str, times: int, ip: str = ATTACKER_IP):
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-guess"}, REMOTE_ADDR=ip)
    return response


def test_the_fifth_wrong_password_locks_the_address_from_that_ip_with_a_clear_page(client, settings):
    UserFactory(email="ann@example.com")
    login_url = reverse("account:login")

    fourth = _fail(client, login_url, "ann@example.com", 4)
    fifth = _fail(client, login_url, "ann@example.com", 1)

    assert settings.AXES_FAILURE_LIMIT == 5
    assert fourth.status_code == 200
    assert "The email address or password is not correct." in fourth.content.decode()
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Signing in is paused" in page
    assert "we paused signing in to it for 15 minutes" in page


def test_a_locked_pair_is_refused_even_with_the_right_password(client):
    UserFactory(email="ann@example.com")
    _fail(client, reverse("account:login"), "ann@example.com", 5)

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
        _fail(client, login_url, variant, 1)
    response = _fail(client, login_url, "ann@EXAMPLE.com", 1)

    assert response.status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["ann@example.com"]


def test_the_same_address_from_another_ip_can_still_sign_in(client):
    user = UserFactory(email="ann@example.com")
    _fail(client, reverse("account:login"), "ann@example.com", 5)

    response = client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD}, REMOTE_ADDR=OTHER_IP
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_another_address_from_the_locked_ip_can_still_sign_in(client):
    UserFactory(email="ann@example.com")
    other = UserFactory(email="bo@example.com")
    _fail(client, reverse("account:login"), "ann@example.com", 5)

    response = client.post(
        reverse("account:login"),
        {"username": "bo@example.com", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER_IP,
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_the_lock_lifts_after_the_cool_off_time(client, settings):
    user = UserFactory(email="ann@example.com")
    _fail(client, reverse("account:login"), "ann@example.com", 5)

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
    _fail(client, login_url, "ann@example.com", 4)

    client.post(login_url, {"username": "ann@example.com", "password": PASSWORD}, REMOTE_ADDR=ATTACKER_IP)
    client.post(reverse("account:logout"))
    after = _fail(client, login_url, "ann@example.com", 4)

    assert after.status_code == 200


def test_the_admin_login_is_throttled_too(client):
    StaffUserFactory(email="boss@example.com")
    admin_login = reverse("admin:login")

    response = _fail(client, admin_login, "boss@example.com", 5)
    refused = client.post(
        admin_login, {"username": "boss@example.com", "password": PASSWORD}, REMOTE_ADDR=ATTACKER_IP
    )

    assert response.status_code == 429
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


# The IP-wide tier: one password sprayed over many addresses from one IP.

IP_LOCKED = (
    "There were too many wrong passwords from your network, so we paused signing in from it for 15 minutes."
)
ACCOUNT_LOCKED = "There were too many wrong passwords for this email address, so we paused signing in to it"


def _spray(client, count: int, ip: str = ATTACKER_IP, start: int = 0):
    response = None
    for number in range(start, start + count):
        response = _fail(client, reverse("account:login"), f"victim{number}@example.com", 1, ip=ip)
    return response


def _sign_in(client, email: str, ip: str):
    return client.post(reverse("account:login"), {"username": email, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_one_ip_spraying_a_password_over_many_addresses_is_locked_after_the_ip_limit(client, settings):
    UserFactory(email="bo@example.com")

    before_limit = _spray(client, 19)
    at_limit = _spray(client, 1, start=19)
    right_password = _sign_in(client, "bo@example.com", ATTACKER_IP)

    assert settings.LOGIN_IP_FAILURE_LIMIT == 20
    assert before_limit.status_code == 200
    assert at_limit.status_code == 429
    assert IP_LOCKED in at_limit.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_ip_lock_leaves_other_ips_alone(client):
    user = UserFactory(email="bo@example.com")
    _spray(client, 20)
    elsewhere = Client()

    response = _sign_in(elsewhere, "bo@example.com", OTHER_IP)

    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(user.pk)


def test_signing_in_to_ones_own_account_does_not_clear_the_ips_failures(client):
    UserFactory(email="attacker@example.com")
    _spray(client, 19)

    own = _sign_in(client, "attacker@example.com", ATTACKER_IP)
    client.post(reverse("account:logout"))
    next_guess = _spray(client, 1, start=19)

    assert own.status_code == 302
    assert next_guess.status_code == 429


def test_a_browser_that_signed_in_to_the_address_before_is_spared_the_ip_lock():
    user = UserFactory(email="bo@example.com")
    bos_browser = Client()
    _sign_in(bos_browser, "bo@example.com", ATTACKER_IP)  # the office network, say
    bos_browser.post(reverse("account:logout"))
    _spray(Client(), 20)

    bo_again = _sign_in(bos_browser, "bo@example.com", ATTACKER_IP)
    stranger = _sign_in(Client(), "bo@example.com", ATTACKER_IP)

    assert bo_again.status_code == 302
    assert bos_browser.session["_auth_user_id"] == str(user.pk)
    assert stranger.status_code == 429


# The address-wide tier: guesses against one address from rotating IPs.


def _rotate(email: str, count: int):
    response = None
    for number in range(1, count + 1):
        response = _fail(Client(), reverse("account:login"), email, 1, ip=f"203.0.113.{number}")
    return response


def test_rotating_ips_against_one_address_locks_it_after_the_account_limit(settings):
    UserFactory(email="ann@example.com")

    before_limit = _rotate("ann@example.com", settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1)
    at_limit = _fail(Client(), reverse("account:login"), "ann@example.com", 1, ip="192.0.2.50")
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


def test_the_known_device_cookie_is_httponly_and_does_not_carry_the_address(client):
    UserFactory(email="ann@example.com")

    _sign_in(client, "ann@example.com", OTHER_IP)

    cookie = client.cookies["known_device"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert "ann" not in cookie.value


# The password checks of the account forms count as sign-in attempts.


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
    _spray(Client(), 20)
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

    response = _fail(client, reverse("account:login"), "ann@example.com", 2)

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
