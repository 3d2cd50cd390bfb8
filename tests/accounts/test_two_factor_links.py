"""Staff set up two-factor sign-in only through a one-time link a superuser sends (or the operator prints)."""

import re
from binascii import unhexlify
from datetime import timedelta
from functools import partial
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import two_factor_setup_url
from accounts.exceptions import AlreadyEnrolled, InvalidCode, SetupLinkUnusable
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import (
    two_factor_enrol,
    two_factor_secret_new,
    two_factor_setup_link_issue,
    two_factor_setup_link_send,
)
from accounts.views.two_factor import PENDING_KEY_SESSION_KEY, SETUP_LINK_SESSION_KEY
from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import run_tasks, run_together, staff_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's password
ACTION = "two_factor_link_send_selected"
CHANGELIST_URL = reverse("admin:shop_user_changelist")
LINK_NEEDED = "an administrator must send you a set-up link"


def _code(key: str) -> str:
    return f"{totp(unhexlify(key)):06d}"


def _link(staff) -> TwoFactorSetupLink:
    return two_factor_setup_link_issue(user=staff, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND)


def _path(link: TwoFactorSetupLink) -> str:
    return urlsplit(two_factor_setup_url(link=link)).path


def _link_in_mail(body: str) -> str:
    return urlsplit(re.search(r"https?://\S+/account/two-factor/set-up/\S+/", body).group()).path


def _enrol_through_the_setup_page(client, user) -> TOTPDevice:
    client.get(reverse("account:two_factor"))
    client.post(reverse("account:two_factor"), {"code": _code(client.session[PENDING_KEY_SESSION_KEY])})
    return TOTPDevice.objects.get(user=user, confirmed=True)


def _run_action(client, *users):
    return client.post(CHANGELIST_URL, {"action": ACTION, "_selected_action": [user.pk for user in users]})


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

    posted = client.post(reverse("account:two_factor"), {"code": _code(key), "next": "/admin/"})

    assert posted.status_code == 403
    assert LINK_NEEDED in posted.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302


# Opening a link --------------------------------------------------------------------------------


def test_a_link_lets_its_staff_member_set_up_an_authenticator_once(client):
    staff = StaffUserFactory()
    link = _link(staff)
    client.force_login(staff)

    opened = client.get(_path(link))
    setup = client.get(opened["Location"])
    device = _enrol_through_the_setup_page(client, staff)
    admin = client.get(reverse("admin:index"))
    again = client.get(_path(link))

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
    link = _link(staff)
    client.force_login(staff)
    client.get(_path(link))
    _enrol_through_the_setup_page(client, staff)
    TOTPDevice.objects.filter(user=staff).delete()

    reopened = client.get(_path(link))
    setup = client.get(reverse("account:two_factor"))

    assert reopened.status_code == 400
    assert setup.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_opening_a_link_signed_out_asks_for_the_password_first(client):
    staff = StaffUserFactory(email="mei@shop.test")
    path = _path(_link(staff))

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
    link = _link(staff)
    TwoFactorSetupLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(hours=73), expires_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(staff)

    response = client.get(_path(link))

    assert response.status_code == 400
    assert "This set-up link is invalid or expired." in response.content.decode()
    assert SETUP_LINK_SESSION_KEY not in client.session
    assert client.get(reverse("account:two_factor")).status_code == 403


def test_a_link_opened_in_time_stops_working_when_it_expires(client):
    staff = StaffUserFactory()
    link = _link(staff)
    client.force_login(staff)
    client.get(_path(link))
    client.get(reverse("account:two_factor"))
    TwoFactorSetupLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(hours=73), expires_at=timezone.now() - timedelta(hours=1)
    )

    posted = client.post(
        reverse("account:two_factor"), {"code": _code(client.session[PENDING_KEY_SESSION_KEY])}
    )

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_another_staff_members_link_is_refused(client):
    link = _link(StaffUserFactory(email="mei@shop.test"))
    client.force_login(StaffUserFactory(email="intruder@shop.test"))

    response = client.get(_path(link))

    assert response.status_code == 403
    assert "This set-up link was sent to another staff member." in response.content.decode()
    assert SETUP_LINK_SESSION_KEY not in client.session
    assert client.get(reverse("account:two_factor")).status_code == 403


def test_a_link_of_another_account_in_the_session_does_not_count(client):
    other_link = _link(StaffUserFactory())
    staff = StaffUserFactory()
    client.force_login(staff)
    session = client.session
    session[SETUP_LINK_SESSION_KEY] = other_link.pk
    session[PENDING_KEY_SESSION_KEY] = key = "ab" * 20
    session.save()

    posted = client.post(reverse("account:two_factor"), {"code": _code(key)})

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_a_newer_link_replaces_the_older_one(client):
    staff = StaffUserFactory()
    older = _link(staff)
    newer = _link(staff)
    client.force_login(staff)

    refused = client.get(_path(older))
    opened = client.get(_path(newer))

    assert refused.status_code == 400
    assert "A newer set-up link was sent, so this one no longer works." in refused.content.decode()
    assert opened.status_code == 302
    assert client.get(opened["Location"]).status_code == 200


def test_a_link_opened_before_a_newer_one_was_issued_sets_up_nothing(client):
    staff = StaffUserFactory()
    older = _link(staff)
    client.force_login(staff)
    client.get(_path(older))
    client.get(reverse("account:two_factor"))
    _link(staff)

    posted = client.post(
        reverse("account:two_factor"), {"code": _code(client.session[PENDING_KEY_SESSION_KEY])}
    )

    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_a_tampered_or_malformed_link_is_refused(client):
    staff = StaffUserFactory()
    path = _path(_link(staff))
    client.force_login(staff)

    tampered = client.get(path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:])
    malformed = client.get(reverse("account:two_factor_link", args=["not-a-token"]))

    assert tampered.status_code == malformed.status_code == 400
    assert "This set-up link is invalid or expired." in tampered.content.decode()


def test_a_link_is_useless_once_an_authenticator_is_confirmed(client):
    staff = StaffUserFactory()
    link = _link(staff)
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    client.force_login(staff)

    response = client.get(_path(link))

    assert response.status_code == 400
    assert "Two-factor sign-in is set up for your account already" in response.content.decode()


def test_setting_up_an_authenticator_revokes_the_other_open_links():
    staff = StaffUserFactory()
    link = _link(staff)
    key = two_factor_secret_new()

    two_factor_enrol(user=staff, key=key, token=_code(key), link_id=link.pk)

    link.refresh_from_db()
    assert link.used_at is not None
    assert not TwoFactorSetupLink.objects.filter(user=staff, used_at=None, revoked_at=None).exists()


def test_a_wrong_code_leaves_the_link_usable():
    staff = StaffUserFactory()
    link = _link(staff)
    key = two_factor_secret_new()

    with pytest.raises(InvalidCode):
        two_factor_enrol(user=staff, key=key, token=f"{(int(_code(key)) + 1) % 1000000:06d}", link_id=link.pk)

    link.refresh_from_db()
    assert (link.used_at, link.revoked_at) == (None, None)
    assert not TOTPDevice.objects.exists()


# The admin action ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_superuser_sends_a_set_up_link_to_the_staff_members_address(client, mailoutbox):
    staff = StaffUserFactory(email="mei@shop.test", full_name="Mei Lin", is_superuser=False)
    staff_login(client, StaffUserFactory(email="boss@shop.test"))

    response = _run_action(client, staff)
    run_tasks()

    link = TwoFactorSetupLink.objects.get()
    [message] = mailoutbox
    assert response.status_code == 302
    assert [str(note) for note in get_messages(response.wsgi_request)] == [
        "A two-factor set-up link was sent to mei@shop.test."
    ]
    assert (link.user, link.issued_by.email, link.origin) == (staff, "boss@shop.test", "admin")
    assert message.to == ["mei@shop.test"]
    assert message.subject == "Set up two-factor sign-in for the Maple & Pine admin"
    assert "The link works once, only for your account, and for 72 hours." in message.body
    html = message.alternatives[0][0]
    assert _link_in_mail(message.body) in html
    client.force_login(staff)
    opened = client.get(_link_in_mail(message.body))
    assert opened["Location"].startswith(reverse("account:two_factor"))
    assert client.get(opened["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_only_superusers_get_the_action(client, mailoutbox):
    target = StaffUserFactory(is_superuser=False)
    manager = StaffUserFactory(is_superuser=False)
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "delete_user"])
    )
    staff_login(client, manager)

    listed = client.get(CHANGELIST_URL)
    response = _run_action(client, target)
    run_tasks()

    assert listed.status_code == 200
    assert ACTION not in dict(listed.context["action_form"].fields["action"].choices)
    assert response.status_code in (200, 302)
    assert not TwoFactorSetupLink.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_the_action_sends_nothing_to_customers_or_staff_with_an_authenticator(client, mailoutbox):
    customer = UserFactory(email="ann@example.com")
    enrolled = StaffUserFactory(email="lei@shop.test")
    TOTPDevice.objects.create(user=enrolled, name="Authenticator app", confirmed=True)
    staff_login(client, StaffUserFactory())

    response = _run_action(client, customer, enrolled)
    run_tasks()

    assert sorted(str(note) for note in get_messages(response.wsgi_request)) == [
        "ann@example.com is not an active staff member, so no set-up link was sent.",
        "lei@shop.test has two-factor sign-in already. To give them a new set-up link, delete their "
        "TOTP device first.",
    ]
    assert not TwoFactorSetupLink.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_only_the_newest_of_two_quick_sends_is_mailed(mailoutbox):
    staff = StaffUserFactory(email="mei@shop.test")
    boss = StaffUserFactory()
    older = two_factor_setup_link_send(user=staff, issued_by=boss, language="en")
    newer = two_factor_setup_link_send(user=staff, issued_by=boss, language="en")

    run_tasks()

    [message] = mailoutbox
    older.refresh_from_db()
    assert older.revoked_at is not None
    assert _link_in_mail(message.body) == _path(newer)


@pytest.mark.django_db(transaction=True)
def test_removing_a_device_in_the_admin_needs_a_new_link(client, mailoutbox):
    staff = StaffUserFactory(email="mei@shop.test", is_superuser=False)
    link = _link(staff)
    staff_client = client
    staff_client.force_login(staff)
    staff_client.get(_path(link))
    device = _enrol_through_the_setup_page(staff_client, staff)
    boss_client = Client()
    staff_login(boss_client, StaffUserFactory())
    deleted = boss_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    locked_out = staff_client.get(reverse("admin:index"))
    needs_link = staff_client.get(locked_out["Location"])
    old_link = staff_client.get(_path(link))
    _run_action(boss_client, staff)
    run_tasks()
    opened = staff_client.get(_link_in_mail(mailoutbox[0].body))
    new_device = _enrol_through_the_setup_page(staff_client, staff)

    assert deleted.status_code == 302
    assert locked_out["Location"] == reverse("account:two_factor") + "?next=%2Fadmin%2F"
    assert needs_link.status_code == 403
    assert old_link.status_code == 400
    assert opened.status_code == 302
    assert new_device.user == staff
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_removing_ones_own_authenticator_lets_the_verified_session_set_up_the_new_one(client):
    staff = StaffUserFactory()
    staff_login(client, staff)

    removed = client.post(reverse("account:two_factor_remove"))
    setup = client.get(removed["Location"])
    device = _enrol_through_the_setup_page(client, staff)

    link = TwoFactorSetupLink.objects.get()
    assert setup.status_code == 200
    assert (link.origin, link.issued_by, link.used_at is not None) == ("replacement", staff, True)
    assert device.user == staff


# The operator's command ------------------------------------------------------------------------


def test_the_command_prints_a_link_for_the_first_superuser(client):
    StaffUserFactory(email="owner@shop.test")
    out = StringIO()

    call_command("issue_two_factor_link", "Owner@Shop.test", stdout=out)

    link = TwoFactorSetupLink.objects.get()
    assert link.origin == "command"
    assert link.issued_by is None
    assert _path(link) in out.getvalue()
    client.post(reverse("account:login"), {"username": "owner@shop.test", "password": PASSWORD})
    opened = client.get(_link_in_mail(out.getvalue()))
    assert opened.status_code == 302
    assert _enrol_through_the_setup_page(client, link.user).confirmed


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: None, "No account signs in with"),
        (lambda: UserFactory(email="who@shop.test"), "is not an active staff member"),
        (lambda: StaffUserFactory(email="who@shop.test", is_active=False), "is not an active staff member"),
    ],
)
def test_the_command_refuses_unknown_addresses_and_non_staff(make, error):
    make()

    with pytest.raises(CommandError, match=error):
        call_command("issue_two_factor_link", "who@shop.test", stdout=StringIO())

    assert not TwoFactorSetupLink.objects.exists()


def test_the_command_refuses_staff_who_have_an_authenticator():
    staff = StaffUserFactory(email="who@shop.test")
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)

    with pytest.raises(CommandError, match="has an authenticator already"):
        call_command("issue_two_factor_link", "who@shop.test", stdout=StringIO())

    assert not TwoFactorSetupLink.objects.exists()


# Concurrency -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_link_used_by_two_sessions_at_once_sets_up_one_authenticator():
    staff = StaffUserFactory()
    link = _link(staff)
    keys = [two_factor_secret_new(), two_factor_secret_new()]

    def enrol(key: str) -> str:
        try:
            two_factor_enrol(user=staff, key=key, token=_code(key), link_id=link.pk)
        except (AlreadyEnrolled, SetupLinkUnusable):
            return "refused"
        return "enrolled"

    outcomes = run_together(*(partial(enrol, key) for key in keys))

    assert sorted(outcomes) == ["enrolled", "refused"]
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_links_issued_at_once_leave_one_usable():
    staff = StaffUserFactory()

    run_together(partial(_link, staff), partial(_link, staff))

    assert TwoFactorSetupLink.objects.filter(user=staff).count() == 2
    assert TwoFactorSetupLink.objects.filter(user=staff, revoked_at=None).count() == 1
