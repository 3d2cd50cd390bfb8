"""Staff set up two-factor sign-in only through a one-time link a superuser sends (or the operator prints).

Without a link there is no set-up; opening a link and using it once; the links refused (expired,
replaced, another staff member's, tampered with, used already). Sending links and links used at the
same moment are tested in test_two_factor_link_issuing.py and test_two_factor_link_concurrency.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exceptions import InvalidCode
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_enrol, two_factor_secret_new
from accounts.views.two_factor import PENDING_KEY_SESSION_KEY, SETUP_LINK_SESSION_KEY
from tests.accounts.helpers import (
    PASSWORD,
    enrol_through_the_setup_page,
    setup_link,
    setup_link_path,
    totp_code,
)
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

LINK_NEEDED = "an administrator must send you a set-up link"


# Without a link --------------------------------------------------------------------------------


def test_staff_without_a_link_are_told_to_ask_an_administrator_and_see_no_qr_code(client):
    client.force_login(StaffUserFactory(email="mei@shop.test"))

    admin = client.get(reverse("admin:index"))
    page = client.get(admin["Location"])

    html = page.content.decode()
    assert admin["Location"] == reverse("account:two_factor") + "?next=%2Fadmin%2F"
    assert page.status_code == 403
    assert LINK_NEEDED in html
    assert "mei@shop.test" in html
    assert "data:image/svg" not in html
    assert PENDING_KEY_SESSION_KEY not in client.session


def test_knowing_the_password_and_a_secret_is_not_enough_to_set_up_an_authenticator(client):
    staff = StaffUserFactory()
    client.post(reverse("account:login"), {"username": staff.email, "password": PASSWORD})
    session = client.session
    session[PENDING_KEY_SESSION_KEY] = key = "ab" * 20
    session.save()

    posted = client.post(reverse("account:two_factor"), {"code": totp_code(key), "next": "/admin/"})

    assert posted.status_code == 403
    assert LINK_NEEDED in posted.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302


# Opening a link --------------------------------------------------------------------------------


def test_a_link_lets_its_staff_member_set_up_an_authenticator_once(client):
    staff = StaffUserFactory()
    link = setup_link(staff)
    client.force_login(staff)

    opened = client.get(setup_link_path(link))
    setup = client.get(opened["Location"])
    device = enrol_through_the_setup_page(client, staff)
    admin = client.get(reverse("admin:index"))
    again = client.get(setup_link_path(link))

    link.refresh_from_db()
    assert opened.status_code == 302
    assert opened["Location"] == reverse("account:two_factor") + "?next=%2Fadmin%2F"
    assert setup.status_code == 200
    assert 'src="data:image/svg+xml' in setup.content.decode()
    assert device.user == staff
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert SETUP_LINK_SESSION_KEY not in client.session
    assert admin.status_code == 200
    assert link.used_at is not None
    assert again.status_code == 400
    assert "This set-up link was used already." in again.content.decode()


def test_a_used_link_does_not_set_up_a_new_authenticator_after_the_old_one_is_deleted(client):
    staff = StaffUserFactory()
    link = setup_link(staff)
    client.force_login(staff)
    client.get(setup_link_path(link))
    enrol_through_the_setup_page(client, staff)
    TOTPDevice.objects.filter(user=staff).delete()

    reopened = client.get(setup_link_path(link))
    setup = client.get(reverse("account:two_factor"))

    assert reopened.status_code == 400
    assert setup.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_opening_a_link_signed_out_asks_for_the_password_first(client):
    staff = StaffUserFactory(email="mei@shop.test")
    path = setup_link_path(setup_link(staff))

    signed_out = client.get(path)
    signed_in = client.post(signed_out["Location"], {"username": "mei@shop.test", "password": PASSWORD})
    opened = client.get(signed_in["Location"])

    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("account:login") + "?next=")
    assert signed_in["Location"] == path
    assert opened["Location"].startswith(reverse("account:two_factor"))
    assert client.get(opened["Location"]).status_code == 200


def test_an_expired_link_is_refused(client):
    staff = StaffUserFactory()
    link = setup_link(staff)
    TwoFactorSetupLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(hours=73), expires_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(staff)

    response = client.get(setup_link_path(link))

    assert response.status_code == 400
    assert "This set-up link is invalid or expired." in response.content.decode()
    assert SETUP_LINK_SESSION_KEY not in client.session
    assert client.get(reverse("account:two_factor")).status_code == 403


def test_a_link_opened_in_time_stops_working_when_it_expires(client):
    staff = StaffUserFactory()
    link = setup_link(staff)
    client.force_login(staff)
    client.get(setup_link_path(link))
    client.get(reverse("account:two_factor"))
    TwoFactorSetupLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(hours=73), expires_at=timezone.now() - timedelta(hours=1)
    )

    posted = client.post(
        reverse("account:two_factor"), {"code": totp_code(client.session[PENDING_KEY_SESSION_KEY])}
    )

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_another_staff_members_link_is_refused(client):
    link = setup_link(StaffUserFactory(email="mei@shop.test"))
    client.force_login(StaffUserFactory(email="intruder@shop.test"))

    response = client.get(setup_link_path(link))

    assert response.status_code == 403
    assert "This set-up link was sent to another staff member." in response.content.decode()
    assert SETUP_LINK_SESSION_KEY not in client.session
    assert client.get(reverse("account:two_factor")).status_code == 403


def test_a_link_of_another_account_in_the_session_does_not_count(client):
    other_link = setup_link(StaffUserFactory())
    staff = StaffUserFactory()
    client.force_login(staff)
    session = client.session
    session[SETUP_LINK_SESSION_KEY] = other_link.pk
    session[PENDING_KEY_SESSION_KEY] = key = "ab" * 20
    session.save()

    posted = client.post(reverse("account:two_factor"), {"code": totp_code(key)})

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_a_newer_link_replaces_the_older_one(client):
    staff = StaffUserFactory()
    older = setup_link(staff)
    newer = setup_link(staff)
    client.force_login(staff)

    refused = client.get(setup_link_path(older))
    opened = client.get(setup_link_path(newer))

    assert refused.status_code == 400
    assert "A newer set-up link was sent, so this one no longer works." in refused.content.decode()
    assert opened.status_code == 302
    assert client.get(opened["Location"]).status_code == 200


def test_a_link_opened_before_a_newer_one_was_issued_sets_up_nothing(client):
    staff = StaffUserFactory()
    older = setup_link(staff)
    client.force_login(staff)
    client.get(setup_link_path(older))
    client.get(reverse("account:two_factor"))
    setup_link(staff)

    posted = client.post(
        reverse("account:two_factor"), {"code": totp_code(client.session[PENDING_KEY_SESSION_KEY])}
    )

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_a_tampered_or_malformed_link_is_refused(client):
    staff = StaffUserFactory()
    path = setup_link_path(setup_link(staff))
    client.force_login(staff)

    tampered = client.get(path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:])
    malformed = client.get(reverse("account:two_factor_link", args=["not-a-token"]))

    assert tampered.status_code == malformed.status_code == 400
    assert "This set-up link is invalid or expired." in tampered.content.decode()


def test_a_link_is_useless_once_an_authenticator_is_confirmed(client):
    staff = StaffUserFactory()
    link = setup_link(staff)
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    client.force_login(staff)

    response = client.get(setup_link_path(link))

    assert response.status_code == 400
    assert "Two-factor sign-in is set up for your account already" in response.content.decode()


def test_setting_up_an_authenticator_revokes_the_other_open_links():
    staff = StaffUserFactory()
    link = setup_link(staff)
    key = two_factor_secret_new()

    two_factor_enrol(user=staff, key=key, token=totp_code(key), link_id=link.pk)

    link.refresh_from_db()
    assert link.used_at is not None
    assert not TwoFactorSetupLink.objects.filter(user=staff, used_at=None, revoked_at=None).exists()


def test_a_wrong_code_leaves_the_link_usable():
    staff = StaffUserFactory()
    link = setup_link(staff)
    key = two_factor_secret_new()

    with pytest.raises(InvalidCode):
        two_factor_enrol(
            user=staff, key=key, token=f"{(int(totp_code(key)) + 1) % 1000000:06d}", link_id=link.pk
        )

    link.refresh_from_db()
    assert (link.used_at, link.revoked_at) == (None, None)
    assert not TOTPDevice.objects.exists()
