from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OutboundEmail, ShippingMethod
from orders.services import order_mark_paid
from tests.factories import OrderFactory, StaffUserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


def test_staff_manage_shipping_methods_in_the_admin(client):
    staff_login(client, StaffUserFactory())

    response = client.post(
        reverse("admin:orders_shippingmethod_add"),
        {
            "name": "Same day",
            "code": "same-day",
            "price": "40.00",
            "free_above": "",
            "is_active": "on",
            "position": 3,
            # The method's rates by zone (none: its price applies everywhere).
            "rates-TOTAL_FORMS": "0",
            "rates-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert ShippingMethod.objects.get(code="same-day").price == Decimal("40.00")


def test_a_negative_shipping_price_is_refused_in_the_admin(client):
    staff_login(client, StaffUserFactory())

    response = client.post(
        reverse("admin:orders_shippingmethod_add"),
        {"name": "Bad", "code": "bad", "price": "-1.00", "position": 0},
    )

    assert response.status_code == 200
    assert not ShippingMethod.objects.filter(code="bad").exists()


def test_staff_see_outbound_emails_read_only(client):
    order = OrderFactory()
    order_mark_paid(order=order)
    email = OutboundEmail.objects.get()
    staff_login(client, StaffUserFactory())

    listing = client.get(reverse("admin:orders_outboundemail_changelist"))
    detail = client.get(reverse("admin:orders_outboundemail_change", args=[email.pk]))
    add = client.get(reverse("admin:orders_outboundemail_add"))

    assert listing.status_code == 200
    assert order.number in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
