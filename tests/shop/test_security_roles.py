"""Staff roles (groups made by a data migration) and what each may do in the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, UserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

CATALOGUE_MANAGERS = "Catalogue managers"
ORDER_MANAGERS = "Order managers"
SUPPORT_AGENTS = "Support agents"


def _member_of(group_name: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _permissions(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_three_staff_groups_exist():
    names = set(Group.objects.values_list("name", flat=True))

    assert {CATALOGUE_MANAGERS, ORDER_MANAGERS, SUPPORT_AGENTS} <= names


def test_catalogue_managers_run_the_catalogue_and_only_read_orders():
    permissions = _permissions(CATALOGUE_MANAGERS)

    assert {
        "catalog.add_product",
        "catalog.change_product",
        "catalog.delete_product",
        "catalog.view_product",
        "catalog.change_variant",
        "catalog.change_category",
        "catalog.change_productimage",
        "orders.view_order",
    } <= permissions
    assert not {p for p in permissions if p.startswith("orders.") and not p.startswith("orders.view_")}
    assert not {p for p in permissions if p.startswith("support.")}


def test_order_managers_handle_orders_and_shipping_but_cannot_change_the_catalogue():
    permissions = _permissions(ORDER_MANAGERS)

    assert {
        "orders.view_order",
        "orders.change_order",
        "orders.refund_order",
        "orders.add_shippingmethod",
        "orders.change_shippingmethod",
        "orders.view_outboundemail",
        "catalog.view_variant",
        "catalog.view_product",
    } <= permissions
    assert "catalog.change_variant" not in permissions
    assert not {p for p in permissions if p.startswith("catalog.") and not p.startswith("catalog.view_")}
    assert "orders.change_outboundemail" not in permissions


def test_support_agents_handle_tickets_read_orders_and_change_no_catalogue_or_money():
    permissions = _permissions(SUPPORT_AGENTS)

    assert {
        "support.view_ticket",
        "support.change_ticket",
        "support.add_message",
        "orders.view_order",
    } <= permissions
    assert not {p for p in permissions if p.startswith("catalog.") and not p.startswith("catalog.view_")}
    assert not {"orders.change_order", "orders.refund_order", "support.delete_ticket"} & permissions


@pytest.mark.parametrize("group_name", [SUPPORT_AGENTS, ORDER_MANAGERS])
def test_agents_and_order_managers_cannot_edit_prices(client, group_name):
    variant = VariantFactory(price=Decimal("19.99"))
    staff_login(client, _member_of(group_name))
    change_url = reverse("admin:catalog_product_change", args=[variant.product_id])

    page = client.get(change_url)
    response = client.post(change_url, {"name": variant.product.name, "variants-0-price": "0.01"})

    variant.refresh_from_db()
    assert page.status_code == 200
    assert 'name="variants-0-price"' not in page.content.decode()
    assert response.status_code == 403
    assert variant.price == Decimal("19.99")


def test_a_catalogue_manager_gets_an_editable_price(client):
    variant = VariantFactory()
    staff_login(client, _member_of(CATALOGUE_MANAGERS))

    page = client.get(reverse("admin:catalog_product_change", args=[variant.product_id]))

    assert page.status_code == 200
    assert 'name="variants-0-price"' in page.content.decode()


@pytest.mark.parametrize("group_name", [CATALOGUE_MANAGERS, SUPPORT_AGENTS])
def test_catalogue_managers_and_agents_cannot_refund(client, group_name):
    order = OrderFactory(payment_status=Order.PaymentStatus.PAID)
    staff_login(client, _member_of(group_name))
    refund_url = reverse("admin:orders_order_transition", args=[order.pk, "refund"])

    view = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    response = client.post(refund_url, {"note": "Refund please"})
    bulk = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "refund_selected", "_selected_action": [order.pk], "post": "yes"},
    )

    order.refresh_from_db()
    assert view.status_code == 200
    assert response.status_code == 403
    # The refund action is not offered to them, and posting it anyway is refused.
    assert bulk.status_code == 403
    assert order.payment_status == Order.PaymentStatus.PAID
    assert not order.events.exists()


def test_an_order_manager_can_refund(client):
    order = OrderFactory(payment_status=Order.PaymentStatus.PAID)
    staff_login(client, _member_of(ORDER_MANAGERS))

    response = client.post(reverse("admin:orders_order_transition", args=[order.pk, "refund"]), {"note": ""})

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.payment_status == Order.PaymentStatus.REFUNDED
