"""The audit trail: rows and log lines, append-only in the database, pruning, the admin, the digest."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from shop.audit import audit_record
from shop.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import run_tasks, staff_login

pytestmark = pytest.mark.django_db

SECURITY_AUDITORS = "Security auditors"


def _event(*, days_old: int = 0, action: str = AuditEvent.Action.SIGN_IN, target: str = "") -> AuditEvent:
    # Inserting is the one thing the database allows, with any time: how a test makes an old row.
    return AuditEvent.objects.create(
        action=action, target=target, ip="203.0.113.9", created_at=timezone.now() - timedelta(days=days_old)
    )


def test_audit_record_takes_actor_and_ip_from_the_request(django_capture_on_commit_callbacks, caplog):
    staff = UserFactory(email="boss@example.com", is_staff=True)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = staff

    with caplog.at_level(logging.INFO, logger="shop.audit"), django_capture_on_commit_callbacks(execute=True):
        audit_record(
            action=AuditEvent.Action.EXPORT_DOWNLOADED,
            request=request,
            target="orders",
            detail={"orders": 3, "password": "hunter2", "token": "abc"},
        )

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert (event.action, event.actor, event.actor_email, event.ip, event.target, event.detail) == (
        "export_downloaded",
        staff,
        "boss@example.com",
        "198.51.100.7",
        "orders",
        {"orders": 3},
    )
    [line] = [record for record in caplog.records if record.name == "shop.audit"]
    assert (line.event, line.actor_id, line.ip, line.target, line.detail_orders) == (
        "audit.export_downloaded",
        staff.pk,
        "198.51.100.7",
        "orders",
        3,
    )
    assert "hunter2" not in repr(line.__dict__)


def test_audit_record_refuses_an_unknown_action():
    with pytest.raises(ValueError):
        audit_record(action="coffee_made")

    assert not AuditEvent.objects.exists()


def test_the_database_refuses_to_change_an_audit_event():
    event = _event()

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target="someone else")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE shop_auditevent SET ip = '10.0.0.1'")

    event.refresh_from_db()
    assert (event.target, event.ip) == ("", "203.0.113.9")


def test_the_database_refuses_to_delete_an_audit_event_even_an_old_one():
    event = _event(days_old=400)

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM shop_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_prune_cut_off_does_not_let_a_younger_row_go():
    event = _event(days_old=10)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cut_off = timezone.now() - timedelta(days=20)
        cursor.execute("SELECT set_config('shop.audit_prune_before', %s, true)", [cut_off.isoformat()])
        cursor.execute("DELETE FROM shop_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_the_actor_keeps_the_event_and_its_email():
    staff = UserFactory(email="gone@example.com", is_staff=True)
    audit_record(action=AuditEvent.Action.SIGN_IN, actor=staff)

    staff.delete()

    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN)
    assert (event.actor_id, event.actor_email) == (None, "gone@example.com")


@pytest.mark.django_db(transaction=True)
def test_prune_deletes_only_the_events_past_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = _event(days_old=31)
    recent = _event(days_old=29)

    call_command("prune_audit_events", verbosity=0)

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_the_security_auditors_group_may_only_view_audit_events():
    group = Group.objects.get(name=SECURITY_AUDITORS)

    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("shop", "view_auditevent")
    ]


@pytest.mark.parametrize("who", ["superuser", "auditor"])
def test_superusers_and_security_auditors_read_the_audit_list(client, who):
    user = UserFactory(is_staff=True, is_superuser=who == "superuser")
    if who == "auditor":
        user.groups.add(Group.objects.get(name=SECURITY_AUDITORS))
    _event(action=AuditEvent.Action.LOCKED_OUT, target="login ann@example.com")
    staff_login(client, user)

    response = client.get(reverse("admin:shop_auditevent_changelist"))

    assert response.status_code == 200
    assert "login ann@example.com" in response.content.decode()


def test_other_staff_may_not_read_the_audit_list(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Order managers"))
    staff_login(client, user)

    response = client.get(reverse("admin:shop_auditevent_changelist"))

    assert response.status_code == 403


def test_nobody_adds_changes_or_deletes_audit_events_in_the_admin(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    event = _event()
    staff_login(client, superuser)

    add = client.get(reverse("admin:shop_auditevent_add"))
    change = client.post(reverse("admin:shop_auditevent_change", args=[event.pk]), {"target": "x"})
    delete = client.post(reverse("admin:shop_auditevent_delete", args=[event.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:shop_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.target == ""


@pytest.mark.django_db(transaction=True)
def test_the_weekly_digest_goes_to_each_active_superuser(mailoutbox):
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    UserFactory(email="old-root@example.com", is_staff=True, is_superuser=True, is_active=False)
    UserFactory(email="staff@example.com", is_staff=True)
    _event(action=AuditEvent.Action.LOCKED_OUT, target="login ann@example.com")
    _event(action=AuditEvent.Action.ORDER_REFUNDED, target="order MP12345678")
    _event(action=AuditEvent.Action.SIGN_IN_FAILED)
    _event(action=AuditEvent.Action.SIGN_IN_FAILED)
    _event(action=AuditEvent.Action.SIGN_IN_FAILED, days_old=8)

    call_command("send_audit_digest", verbosity=0)
    run_tasks()

    [message] = mailoutbox
    assert message.to == ["root@example.com"]
    assert "security audit" in message.subject
    assert "Sign-in failed: 2" in message.body
    assert "Sign-in locked out: 1" in message.body
    assert "login ann@example.com" in message.body
    assert "order MP12345678" in message.body
