"""Each audited event, made the way it happens in the shop, leaves one audit row with who and from where."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_setup_link_issue
from orders.models import Order
from orders.services import order_mark_paid, order_refund
from shop.models import AuditEvent
from tests.factories import OrderFactory, UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
IP = "198.51.100.23"


def _rows(action: str, *, after: int = 0) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action=action, pk__gt=after)
        .order_by("pk")
        .values_list("actor_email", "ip", "target")
    )


def _last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_staff_sign_in_is_recorded_with_the_ip(client):
    staff = UserFactory(email="staff@example.com", is_staff=True)

    client.post(
        reverse("account:login"), {"username": "staff@example.com", "password": PASSWORD}, REMOTE_ADDR=IP
    )

    assert _rows(AuditEvent.Action.SIGN_IN) == [("staff@example.com", IP, f"user {staff.pk}")]


def test_a_customer_sign_in_is_not_recorded(client):
    UserFactory(email="ann@example.com")

    client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": PASSWORD}, REMOTE_ADDR=IP
    )

    assert _rows(AuditEvent.Action.SIGN_IN) == []


def test_a_failed_sign_in_is_recorded_without_the_password(client):
    UserFactory(email="ann@example.com")

    client.post(
        reverse("account:login"), {"username": "ann@example.com", "password": "hunter2"}, REMOTE_ADDR=IP
    )

    assert _rows(AuditEvent.Action.SIGN_IN_FAILED) == [("", IP, "login ann@example.com")]
    assert "hunter2" not in str(list(AuditEvent.objects.values()))


def test_a_lockout_is_recorded(client, settings):
    UserFactory(email="ann@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("account:login"), {"username": "ann@example.com", "password": "x"}, REMOTE_ADDR=IP
        )

    assert _rows(AuditEvent.Action.LOCKED_OUT) == [("", IP, "login ann@example.com")]
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOCKED_OUT).detail == {"tier": "pair"}


def test_a_superuser_deleting_a_totp_device_in_the_admin_is_recorded(client):
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    staff = UserFactory(is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    staff_login(client, superuser)

    client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}, REMOTE_ADDR=IP
    )

    assert _rows(AuditEvent.Action.TWO_FACTOR_REMOVED) == [("root@example.com", IP, f"user {staff.pk}")]


def test_a_two_factor_link_from_the_operator_is_recorded_without_an_actor():
    staff = UserFactory(is_staff=True)

    two_factor_setup_link_issue(user=staff, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND)

    assert _rows(AuditEvent.Action.TWO_FACTOR_LINK_ISSUED) == [("", "", f"user {staff.pk}")]


def test_groups_and_staff_status_changed_in_the_user_admin_are_recorded(client):
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    user = UserFactory(email="new@example.com")
    auditors = Group.objects.get(name="Security auditors")
    staff_login(client, superuser)
    before = _last_pk()

    response = client.post(
        reverse("admin:shop_user_change", args=[user.pk]),
        {
            "email": "new@example.com",
            "full_name": "New",
            "is_active": "on",
            "is_staff": "on",
            "groups": [auditors.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    assert _rows(AuditEvent.Action.STAFF_STATUS_CHANGED, after=before) == [
        ("root@example.com", IP, f"user {user.pk}")
    ]
    assert AuditEvent.objects.get(action=AuditEvent.Action.STAFF_STATUS_CHANGED, pk__gt=before).detail == {
        "created": False,
        "is_staff": [False, True],
    }
    assert _rows(AuditEvent.Action.STAFF_GROUPS_CHANGED, after=before) == [
        ("root@example.com", IP, f"user {user.pk}")
    ]
    assert AuditEvent.objects.get(action=AuditEvent.Action.STAFF_GROUPS_CHANGED, pk__gt=before).detail == {
        "change": "added",
        "groups": ["Security auditors"],
    }


def test_permissions_given_to_a_group_are_recorded():
    group = Group.objects.create(name="Helpers")
    permission = Group.objects.get(name="Security auditors").permissions.get()

    group.permissions.add(permission)

    assert _rows(AuditEvent.Action.STAFF_PERMISSIONS_CHANGED) == [("", "", "group Helpers")]
    assert AuditEvent.objects.get(action=AuditEvent.Action.STAFF_PERMISSIONS_CHANGED).detail == {
        "change": "added",
        "permissions": ["shop.view_auditevent"],
    }


def test_making_a_superuser_is_recorded():
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)

    assert AuditEvent.objects.get(action=AuditEvent.Action.STAFF_STATUS_CHANGED).detail == {
        "created": True,
        "is_staff": [None, True],
        "is_superuser": [None, True],
    }
    assert _rows(AuditEvent.Action.STAFF_STATUS_CHANGED) == [("", "", f"user {user.pk}")]


def test_the_order_csv_export_is_recorded(client):
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    OrderFactory()
    OrderFactory()
    staff_login(client, superuser)

    response = client.get(reverse("admin:orders_order_export"), REMOTE_ADDR=IP)
    b"".join(response.streaming_content)

    assert _rows(AuditEvent.Action.EXPORT_DOWNLOADED) == [("root@example.com", IP, "orders")]
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED).detail["orders"] == 2


def test_a_privacy_download_is_recorded(client):
    user = UserFactory(email="ann@example.com")
    client.force_login(user)

    client.get(reverse("account:privacy_download"), REMOTE_ADDR=IP)

    assert _rows(AuditEvent.Action.PRIVACY_DOWNLOADED) == [("ann@example.com", IP, f"user {user.pk}")]


def test_marking_paid_and_refunding_record_the_actor():
    staff = UserFactory(email="orders@example.com", is_staff=True)
    order = OrderFactory()

    order_mark_paid(order=order, actor=staff)
    order_refund(order=Order.objects.get(pk=order.pk), actor=staff, note="damaged")

    target = f"order {order.number}"
    assert _rows(AuditEvent.Action.ORDER_MARKED_PAID) == [("orders@example.com", "", target)]
    assert _rows(AuditEvent.Action.ORDER_REFUNDED) == [("orders@example.com", "", target)]
