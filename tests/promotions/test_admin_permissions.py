"""Promotions in the staff roles: who runs coupons and promotions, who only reads them."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from promotions.models import Coupon
from tests.factories import CouponFactory, UserFactory
from tests.helpers import staff_login
from tests.promotions.admin_helpers import (
    COUPON_ADD,
    COUPONS,
    GENERATE,
    PROMOTIONS,
    coupon_post,
    generate_post,
)

pytestmark = pytest.mark.django_db

CATALOGUE_MANAGERS = "Catalogue managers"
ORDER_MANAGERS = "Order managers"
SUPPORT_AGENTS = "Support agents"
READING = {"promotions.view_coupon", "promotions.view_promotion", "promotions.view_promotiontier"}


def _member_of(group_name: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _promotions_permissions(group_name: str) -> set[str]:
    return {
        f"promotions.{codename}"
        for codename in Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label="promotions")
        .values_list("codename", flat=True)
    }


def test_catalogue_managers_run_coupons_and_promotions():
    assert _promotions_permissions(CATALOGUE_MANAGERS) == {
        *(
            f"promotions.{action}_{model}"
            for model in ("coupon", "promotion", "promotiontier")
            for action in ("add", "change", "delete", "view")
        ),
        "promotions.view_couponcustomeruse",
    }


@pytest.mark.parametrize("group_name", [ORDER_MANAGERS, SUPPORT_AGENTS])
def test_order_managers_and_support_agents_only_read_them(group_name):
    assert _promotions_permissions(group_name) == READING


def test_security_auditors_get_nothing_of_promotions():
    assert _promotions_permissions("Security auditors") == set()


def test_a_catalogue_manager_makes_coupons_and_generates_codes(client):
    staff_login(client, _member_of(CATALOGUE_MANAGERS))

    added = client.post(COUPON_ADD, coupon_post(code="WELCOME"))
    generated = client.post(GENERATE, generate_post(count="3"))

    assert (added.status_code, generated.status_code) == (302, 302)
    assert Coupon.objects.count() == 4


@pytest.mark.parametrize("group_name", [ORDER_MANAGERS, SUPPORT_AGENTS])
def test_an_order_manager_or_agent_reads_a_coupon_but_changes_nothing(client, group_name):
    coupon = CouponFactory(code="WELCOME", uses_total=5)
    staff_login(client, _member_of(group_name))
    change_url = reverse("admin:promotions_coupon_change", args=[coupon.pk])

    pages = [client.get(url).status_code for url in (COUPONS, PROMOTIONS, change_url)]
    changed = client.post(change_url, coupon_post(code="WELCOME", uses_total="500"))
    generate = client.get(GENERATE)
    client.post(COUPONS, {"action": "download_csv_selected", ACTION_CHECKBOX_NAME: [coupon.pk]})
    client.post(COUPONS, {"action": "deactivate_selected", ACTION_CHECKBOX_NAME: [coupon.pk]})

    coupon.refresh_from_db()
    assert pages == [200, 200, 200]
    assert (changed.status_code, generate.status_code) == (403, 403)
    assert (coupon.uses_total, coupon.is_active) == (5, True)
