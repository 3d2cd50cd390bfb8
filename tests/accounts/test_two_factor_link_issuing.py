"""How staff get a two-factor set-up link.

A superuser's admin action mails one; after an authenticator is removed in the admin only a newly
sent link sets up another, while staff removing their own get a replacement link; the operator's
command prints one.
"""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_setup_link_send
from tests.accounts.helpers import PASSWORD, enrol_through_the_setup_page, setup_link, setup_link_path
from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import run_tasks, staff_login

pytestmark = pytest.mark.django_db

ACTION = "two_factor_link_send_selected"
CHANGELIST_URL = reverse("admin:shop_user_changelist")


def _link_in_mail(body: str) -> str:
    return urlsplit(re.search(r"https?://\S+/account/two-factor/set-up/\S+/", body).group()).path


def _run_action(client, *users):
    return client.post(CHANGELIST_URL, {"action": ACTION, "_selected_action": [user.pk for user in users]})


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
    assert _link_in_mail(message.body) == setup_link_path(newer)


# Removing an authenticator --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_removing_a_device_in_the_admin_needs_a_new_link(client, mailoutbox):
    staff = StaffUserFactory(email="mei@shop.test", is_superuser=False)
    link = setup_link(staff)
    staff_client = client
    staff_client.force_login(staff)
    staff_client.get(setup_link_path(link))
    device = enrol_through_the_setup_page(staff_client, staff)
    boss_client = Client()
    staff_login(boss_client, StaffUserFactory())
    deleted = boss_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    locked_out = staff_client.get(reverse("admin:index"))
    needs_link = staff_client.get(locked_out["Location"])
    old_link = staff_client.get(setup_link_path(link))
    _run_action(boss_client, staff)
    run_tasks()
    opened = staff_client.get(_link_in_mail(mailoutbox[0].body))
    new_device = enrol_through_the_setup_page(staff_client, staff)

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
    device = enrol_through_the_setup_page(client, staff)

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
    assert setup_link_path(link) in out.getvalue()
    client.post(reverse("account:login"), {"username": "owner@shop.test", "password": PASSWORD})
    opened = client.get(_link_in_mail(out.getvalue()))
    assert opened.status_code == 302
    assert enrol_through_the_setup_page(client, link.user).confirmed


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
