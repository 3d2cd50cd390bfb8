"""Helpers of the orders admin tests: staff with chosen permissions, orders in each state."""

from pathlib import Path

import polib
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.models import Order
from tests.factories import OrderFactory, OrderLineFactory, UserFactory


def staff_with(*codenames: str):
    """A staff user (not a superuser) holding only these orders permissions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename__in=codenames)
    )
    return user


def order_in(status: str, **fields) -> Order:
    """An order whose display status is ``status`` (bank transfer unless told otherwise)."""
    paid, unpaid, refunded = "paid", "unpaid", "refunded"
    states = {
        Order.Status.PENDING_PAYMENT: {"payment_status": unpaid},
        Order.Status.AWAITING_SHIPMENT: {"payment_status": paid},
        Order.Status.SHIPPED: {
            "payment_status": paid,
            "fulfilment_status": "shipped",
            "carrier": "SF Express",
            "tracking_number": "SF100",
        },
        Order.Status.COMPLETED: {"payment_status": paid, "fulfilment_status": "delivered"},
        Order.Status.CANCELLED: {"payment_status": unpaid, "cancelled_at": timezone.now()},
        Order.Status.REFUNDED: {"payment_status": refunded},
    }
    order = OrderFactory(**{**states[status], **fields})
    assert order.display_status == status
    return order


def order_with_line(**fields) -> Order:
    order = OrderFactory(**fields)
    OrderLineFactory(order=order, unit_price=order.subtotal, line_total=order.subtotal)
    return order


def zh_hans_catalogue_compile(settings, tmp_path) -> None:
    """Compile the project's zh-hans catalogue plus the orders fragments into LOCALE_PATHS for a test.

    So the admin can be checked in Chinese before and after the lead merges the fragments.
    """
    locale = Path(django_settings.BASE_DIR) / "locale"
    sources = [
        locale / "zh_Hans" / "LC_MESSAGES" / "django.po",
        locale / "fragments" / "orders_admin.po",
        locale / "fragments" / "orders.po",
    ]
    merged = polib.POFile()
    merged.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for path in sources:
        if not path.exists():
            continue
        for entry in polib.pofile(str(path)):
            key = (entry.msgctxt, entry.msgid)
            if entry.msgid and entry.translated() and key not in seen:
                seen.add(key)
                merged.append(entry)
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    merged.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
