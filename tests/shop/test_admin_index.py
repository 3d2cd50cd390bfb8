"""The admin's home page: the shop's sections for everyone, the machinery's folded away for superusers."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import ATTACKER_IP, PASSWORD, fail_sign_in
from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

TECHNICAL_LABELS = {"axes", "otp_totp", "otp_static", "django_tasks_database"}
INDEX = reverse("admin:index")


def app_labels(apps: list[dict]) -> list[str]:
    return [app["app_label"] for app in apps]


@pytest.fixture
def owner(client):
    """A shop owner who is staff with every permission there is, but not a superuser."""
    user = UserFactory(email="owner@example.com", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    staff_login(client, user)
    return user


@pytest.fixture
def superuser(client):
    user = StaffUserFactory(email="root@example.com")
    staff_login(client, user)
    return user


def test_an_owner_who_is_not_a_superuser_sees_no_technical_section(client, owner):
    response = client.get(INDEX)

    page = response.content.decode()
    assert response.status_code == 200
    assert set(app_labels(response.context["app_list"])) == {
        "aftersales",
        "auth",
        "catalog",
        "orders",
        "payments",
        "promotions",
        "shop",
        "support",
        "wishlists",
    }
    assert response.context["technical_app_list"] == []
    assert 'class="shop-technical' not in page
    for hidden in ("Axes", "Otp_Totp", "Otp_Static", "Tasks Database Backend", "Access attempts"):
        assert hidden not in page


def test_the_sidebar_and_section_pages_leave_the_technical_apps_out_for_staff(client, owner):
    orders = client.get(reverse("admin:orders_order_changelist"))
    axes_section = client.get(reverse("admin:app_list", args=["axes"]))
    tasks_section = client.get(reverse("admin:app_list", args=["django_tasks_database"]))

    assert not TECHNICAL_LABELS & set(app_labels(orders.context["available_apps"]))
    assert axes_section.status_code == 404
    assert tasks_section.status_code == 404


def test_a_superuser_finds_them_folded_away_at_the_end_under_plain_names(client, superuser):
    response = client.get(INDEX)

    page = response.content.decode()
    technical = response.context["technical_app_list"]
    assert not TECHNICAL_LABELS & set(app_labels(response.context["app_list"]))
    assert [(app["app_label"], app["name"]) for app in technical] == [
        ("otp_totp", "Authenticator apps"),
        ("django_tasks_database", "Background tasks"),
        ("otp_static", "Backup codes"),
        ("axes", "Sign-in lockouts"),
    ]
    assert '<details class="shop-technical module">' in page
    assert page.index("shop-technical") > page.index('class="app-shop module')
    assert page.index('class="app-axes module') > page.index("shop-technical")


def test_the_superusers_sidebar_lists_the_technical_apps_last(client, superuser):
    response = client.get(reverse("admin:orders_order_changelist"))

    labels = app_labels(response.context["available_apps"])
    assert set(labels[-4:]) == TECHNICAL_LABELS


def test_the_technical_section_in_chinese(client, superuser):
    response = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = response.content.decode()
    assert "<summary>技术</summary>" in page
    assert "登录锁定" in page and "身份验证器应用" in page and "备用码" in page and "后台任务" in page


def test_only_the_failed_attempts_of_axes_are_registered():
    assert admin.site.is_registered(AccessAttempt)
    assert not admin.site.is_registered(AccessLog)
    assert not admin.site.is_registered(AccessFailureLog)


def test_a_superuser_lifts_a_lockout_by_deleting_the_addresss_attempts(client, superuser):
    UserFactory(email="ann@example.com")
    shopper = Client()
    fail_sign_in(shopper, reverse("account:login"), "ann@example.com", 5)
    right_password = {"username": "ann@example.com", "password": PASSWORD}
    locked = shopper.post(reverse("account:login"), right_password, REMOTE_ADDR=ATTACKER_IP)
    attempts = list(AccessAttempt.objects.filter(username="ann@example.com").values_list("pk", flat=True))

    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: attempts, "post": "yes"},
    )
    signed_in = shopper.post(reverse("account:login"), right_password, REMOTE_ADDR=ATTACKER_IP)

    assert locked.status_code == 429
    assert AccessAttempt.objects.count() == 0
    assert signed_in.status_code == 302
