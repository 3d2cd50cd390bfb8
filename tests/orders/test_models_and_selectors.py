import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import SavedAddress
from orders.address_book import address_book_for_checkout
from orders.models import Order, ShippingMethod
from orders.selectors import (
    checkout_initial_get,
    customer_first_order,
    order_list_for_customer,
    shipping_estimate_get,
)
from tests.factories import OrderFactory, ShippingMethodFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, Order.Status.PENDING_PAYMENT),
        ({"payment_method": "cod"}, Order.Status.AWAITING_SHIPMENT),
        ({"payment_status": "paid"}, Order.Status.AWAITING_SHIPMENT),
        ({"payment_status": "paid", "fulfilment_status": "shipped"}, Order.Status.SHIPPED),
        ({"payment_method": "cod", "fulfilment_status": "shipped"}, Order.Status.SHIPPED),
        ({"payment_status": "paid", "fulfilment_status": "delivered"}, Order.Status.COMPLETED),
        ({"payment_method": "cod", "fulfilment_status": "delivered"}, Order.Status.PENDING_PAYMENT),
        ({"cancelled": True}, Order.Status.CANCELLED),
        ({"payment_status": "refunded"}, Order.Status.REFUNDED),
        ({"payment_status": "refunded", "cancelled": True}, Order.Status.REFUNDED),
    ],
)
def test_display_status_is_derived_from_payment_and_fulfilment(fields, status):
    if fields.pop("cancelled", False):
        fields["cancelled_at"] = timezone.now()

    order = OrderFactory.build(**fields)

    assert order.display_status == status


def test_shipping_method_price_for_a_subtotal():
    method = ShippingMethod(price=Decimal("12.00"), free_above=Decimal("199.00"))

    assert method.price_for(Decimal("198.99")) == Decimal("12.00")
    assert method.price_for(Decimal("199.00")) == Decimal("0.00")
    assert ShippingMethod(price=Decimal("25.00")).price_for(Decimal("10000.00")) == Decimal("25.00")


def test_the_migration_creates_standard_and_express():
    ShippingMethod.objects.all().delete()
    migration = importlib.import_module("orders.migrations.0002_default_shipping_methods")

    migration.create_defaults(apps, None)

    assert list(ShippingMethod.objects.values_list("code", "name", "price", "free_above", "is_active")) == [
        ("standard", "Standard", Decimal("12.00"), Decimal("199.00"), True),
        ("express", "Express", Decimal("25.00"), None, True),
    ]


def test_shipping_estimate_is_the_cheapest_active_method():
    ShippingMethod.objects.all().delete()
    ShippingMethodFactory(code="standard", price=Decimal("12.00"), free_above=Decimal("199.00"))
    ShippingMethodFactory(code="express", price=Decimal("25.00"))
    ShippingMethodFactory(code="pigeon", price=Decimal("1.00"), is_active=False)

    assert shipping_estimate_get(subtotal=Decimal("50.00")).price == Decimal("12.00")
    assert shipping_estimate_get(subtotal=Decimal("300.00")).price == Decimal("0.00")


def test_a_free_shipping_coupon_makes_the_estimate_free_with_nothing_more_to_spend():
    ShippingMethod.objects.all().delete()
    ShippingMethodFactory(code="standard", price=Decimal("12.00"), free_above=Decimal("199.00"))

    estimate = shipping_estimate_get(subtotal=Decimal("50.00"), free_shipping=True)

    assert (estimate.price, estimate.total, estimate.free_shipping_gap) == (
        Decimal("0.00"),
        Decimal("50.00"),
        None,
    )


def test_a_first_order_is_one_with_no_standing_order_for_the_address():
    OrderFactory(email="Mei@Example.com")
    OrderFactory(email="ann@example.com", cancelled_at=timezone.now())

    assert customer_first_order(email_canonical="mei@example.com") is False
    assert customer_first_order(email_canonical="ann@example.com") is True
    assert customer_first_order(email_canonical="new@example.com") is True


def test_no_active_shipping_method_means_no_estimate():
    ShippingMethod.objects.update(is_active=False)

    assert shipping_estimate_get(subtotal=Decimal("50.00")) is None


def test_database_refuses_inconsistent_totals_and_negative_money():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(subtotal=Decimal("10.00"), shipping_total=Decimal("0.00"), grand_total=Decimal("9.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingMethodFactory(price=Decimal("-1.00"))


def test_order_numbers_are_unique_in_the_database():
    order = OrderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(number=order.number)


def test_order_list_for_customer_is_newest_first_and_only_theirs():
    user = UserFactory()
    older = OrderFactory(user=user)
    newer = OrderFactory(user=user)
    OrderFactory(user=UserFactory())
    OrderFactory(email=user.email)

    orders = list(order_list_for_customer(user=user))

    assert orders == [newer, older]
    assert list(order_list_for_customer(user=AnonymousUser())) == []


def test_order_list_for_customer_includes_guest_orders_once_the_email_is_verified():
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())
    own = OrderFactory(user=user)
    guest = OrderFactory(email="ANN@example.com")
    OrderFactory(email="ann@example.com", user=UserFactory())

    assert list(order_list_for_customer(user=user)) == [guest, own]


def test_checkout_prefill_prefers_the_default_saved_address_then_the_last_order():
    saved = UserFactory(full_name="Ann Lee")
    # The address book is the accounts app's; checkout reads it through orders.address_book.
    SavedAddress.objects.create(user=saved, phone="13900000000", city="Ningbo", address_line1="2 Other Road")
    default = SavedAddress.objects.create(
        user=saved,
        is_default=True,
        recipient_name="Ann Lee",
        phone="13800000000",
        city="Suzhou",
        address_line1="1 Canal St",
    )
    OrderFactory(user=saved, city="Hangzhou", address_line1="18 West Lake Road")
    no_address = UserFactory(full_name="")
    OrderFactory(user=no_address, full_name="Bo Chen", city="Hangzhou", address_line1="18 West Lake Road")

    book = address_book_for_checkout(user=saved)
    from_account = checkout_initial_get(user=saved, book=book)
    from_order = checkout_initial_get(user=no_address, book=address_book_for_checkout(user=no_address))

    assert [entry.values["city"] for entry in book.entries] == ["Suzhou", "Ningbo"]
    assert from_account == {"email": saved.email, "saved_address": str(default.pk), "full_name": "Ann Lee"}
    assert (from_order["full_name"], from_order["city"]) == ("Bo Chen", "Hangzhou")
    assert checkout_initial_get(user=AnonymousUser()) == {}
    assert address_book_for_checkout(user=AnonymousUser()) is None
