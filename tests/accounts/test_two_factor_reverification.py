"""Two-factor sign-in: a verification lasts the configured time, then the admin asks for a code again."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import VERIFIED_AT_SESSION_KEY
from tests.accounts.helpers import enrolled_staff, totp_code
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


def _verified_hours_ago(client, hours: float) -> None:
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time() - hours * 3600)
    session.save()


def test_a_verification_older_than_the_limit_asks_for_a_code_again_and_a_correct_code_lets_in(client):
    staff, device = enrolled_staff()
    staff_login(client, staff)
    _verified_hours_ago(client, 12.01)

    stale = client.get(reverse("admin:catalog_product_changelist"))
    code_page = client.get(stale["Location"])
    verified = client.post(stale["Location"], {"code": totp_code(device.key)})
    admin = client.get(verified["Location"])

    assert stale.status_code == 302
    assert stale["Location"] == reverse("account:two_factor_verify") + "?next=%2Fadmin%2Fcatalog%2Fproduct%2F"
    assert code_page.status_code == 200
    assert verified["Location"] == reverse("admin:catalog_product_changelist")
    assert admin.status_code == 200
    assert time.time() - client.session[VERIFIED_AT_SESSION_KEY] < 60
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_verification_lasts_as_long_as_the_setting_says(client, settings):
    settings.TWO_FACTOR_VERIFIED_MAX_AGE = timedelta(hours=2)
    staff, _device = enrolled_staff()
    staff_login(client, staff)

    _verified_hours_ago(client, 1.9)
    fresh = client.get(reverse("admin:index"))
    _verified_hours_ago(client, 2.1)
    stale = client.get(reverse("admin:index"))

    assert fresh.status_code == 200
    assert stale.status_code == 302
    assert stale["Location"].startswith(reverse("account:two_factor_verify"))


def test_an_expired_verification_no_longer_counts_for_the_two_factor_pages(client):
    staff, device = enrolled_staff()
    staff_login(client, staff)
    _verified_hours_ago(client, 13)

    removal = client.post(reverse("account:two_factor_remove"))

    assert removal["Location"].startswith(reverse("account:two_factor_verify"))
    assert list(TOTPDevice.objects.all()) == [device]
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_session_verified_without_a_recorded_time_is_asked_for_a_code(client):
    staff, device = enrolled_staff()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:two_factor_verify"))
