import uuid
from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from catalog.models import CatalogRevision
from orders.exceptions import CartEmpty, OutOfStock
from orders.models import Order, OrderEvent, OrderLine, OutboundEmail
from orders.services import order_place
from tests.factories import ProductFactory, ShippingMethodFactory, UserFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db


def test_order_place_takes_stock_and_snapshots_lines_and_totals():
    shirt = VariantFactory(
        product=ProductFactory(name="Linen Shirt"),
        sku="SHIRT-M",
        options={"Size": "M"},
        price=Decimal("49.90"),
        stock=10,
    )
    mug = VariantFactory(sku="MUG", price=Decimal("0.35"), stock=3)

    order = order_place(cart=cart_with((shirt, 2), (mug, 3)), checkout=checkout_data(), token=uuid.uuid4())

    shirt.refresh_from_db()
    mug.refresh_from_db()
    lines = list(order.lines.order_by("sku"))
    assert (shirt.stock, mug.stock) == (8, 0)
    assert [
        (line.sku, line.product_name, line.options_label, line.unit_price, line.quantity, line.line_total)
        for line in lines
    ] == [
        ("MUG", mug.product.name, "", Decimal("0.35"), 3, Decimal("1.05")),
        ("SHIRT-M", "Linen Shirt", "Size: M", Decimal("49.90"), 2, Decimal("99.80")),
    ]
    assert order.subtotal == Decimal("100.85")
    assert order.shipping_total == Decimal("12.00")
    assert order.grand_total == Decimal("112.85")
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    assert order.display_status == Order.Status.PENDING_PAYMENT
    assert order.shipping_method_name == "Standard"


def test_order_snapshot_does_not_follow_later_catalogue_changes():
    variant = VariantFactory(price=Decimal("10.00"), stock=5)
    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())

    variant.price = Decimal("99.00")
    variant.save()

    line = OrderLine.objects.get(order=order)
    assert line.unit_price == Decimal("10.00")
    assert Order.objects.get(pk=order.pk).subtotal == Decimal("10.00")


def test_shipping_is_free_above_the_threshold():
    variant = VariantFactory(price=Decimal("199.00"), stock=5)

    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())

    assert order.shipping_total == Decimal("0.00")
    assert order.grand_total == Decimal("199.00")


def test_order_number_is_human_readable_and_tokens_are_set():
    variant = VariantFactory()
    token = uuid.uuid4()

    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=token)

    assert order.number.startswith("MP")
    assert len(order.number) == 10
    assert not set(order.number[2:]) & set("01OIL")
    assert order.checkout_token == token
    assert len(order.access_token) >= 40


def test_order_keeps_the_customer_and_language():
    user = UserFactory()
    variant = VariantFactory()

    order = order_place(
        cart=cart_with((variant, 1)),
        checkout=checkout_data(user=user, language="zh-hans"),
        token=uuid.uuid4(),
    )

    assert order.user == user
    assert order.language == "zh-hans"


def test_order_place_records_the_event_and_enqueues_both_emails_in_its_transaction():
    variant = VariantFactory(sku="TEA", stock=9)

    order = order_place(
        cart=cart_with((variant, 2)), checkout=checkout_data(email="ann@example.com"), token=uuid.uuid4()
    )

    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.to_state, event.note) == ("placed", "pending_payment", "TEA x2")
    emails = {email.kind: email for email in OutboundEmail.objects.filter(order=order)}
    assert set(emails) == {"confirmation", "staff_new_order"}
    assert emails["confirmation"].to_email == "ann@example.com"
    assert emails["confirmation"].status == OutboundEmail.Status.QUEUED
    task = DBTaskResult.objects.get(task_path="orders.tasks.send_order_emails")  # one task for both
    assert task.args_kwargs["kwargs"]["order_id"] == order.pk
    assert sorted(task.args_kwargs["kwargs"]["email_ids"]) == sorted(email.pk for email in emails.values())


def test_a_repeated_checkout_token_returns_the_first_order_and_takes_stock_once():
    variant = VariantFactory(stock=5)
    token = uuid.uuid4()
    first = order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=token)

    again = order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=token)

    variant.refresh_from_db()
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert variant.stock == 3
    assert OutboundEmail.objects.count() == 2


def test_a_repeated_token_returns_the_order_even_once_the_cart_is_empty():
    variant = VariantFactory()
    token = uuid.uuid4()
    first = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=token)

    again = order_place(cart=cart_with(), checkout=checkout_data(), token=token)

    assert again.pk == first.pk


def test_an_empty_cart_is_refused():
    with pytest.raises(CartEmpty):
        order_place(cart=cart_with(), checkout=checkout_data(), token=uuid.uuid4())

    assert Order.objects.count() == 0


def test_a_short_line_names_the_variant_and_what_is_left_and_nothing_is_written():
    plenty = VariantFactory(stock=10)
    short = VariantFactory(stock=1, product=ProductFactory(name="Teapot"))
    cart = cart_with((plenty, 2), (short, 3))

    with pytest.raises(OutOfStock) as raised:
        order_place(cart=cart, checkout=checkout_data(), token=uuid.uuid4())

    plenty.refresh_from_db()
    short.refresh_from_db()
    assert (raised.value.variant_id, raised.value.available, raised.value.name) == (short.pk, 1, "Teapot")
    assert (plenty.stock, short.stock) == (10, 1)
    assert Order.objects.count() == 0
    assert OrderEvent.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("withdraw", ["variant", "product"])
def test_a_withdrawn_item_is_refused_with_nothing_left(withdraw):
    variant = VariantFactory(stock=10)
    cart = cart_with((variant, 1))
    if withdraw == "variant":
        variant.is_active = False
        variant.save()
    else:
        variant.product.is_active = False
        variant.product.save()

    with pytest.raises(OutOfStock) as raised:
        order_place(cart=cart, checkout=checkout_data(), token=uuid.uuid4())

    variant.refresh_from_db()
    assert raised.value.available == 0
    assert variant.stock == 10
    assert Order.objects.count() == 0


def test_low_stock_after_the_order_bumps_the_catalogue_revision_after_commit(
    django_capture_on_commit_callbacks,
):
    variant = VariantFactory(stock=7)
    revision = CatalogRevision.objects.get(pk=1).number

    with django_capture_on_commit_callbacks(execute=True):
        order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=uuid.uuid4())

    assert CatalogRevision.objects.get(pk=1).number == revision + 1


def test_plenty_of_stock_left_does_not_bump_the_catalogue_revision(django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=50)
    revision = CatalogRevision.objects.get(pk=1).number

    with django_capture_on_commit_callbacks(execute=True):
        order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=uuid.uuid4())

    assert CatalogRevision.objects.get(pk=1).number == revision


def test_express_shipping_is_charged_whatever_the_subtotal():
    express = ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), free_above=None)
    variant = VariantFactory(price=Decimal("500.00"))

    order = order_place(
        cart=cart_with((variant, 1)), checkout=checkout_data(shipping_method=express), token=uuid.uuid4()
    )

    assert order.shipping_total == Decimal("25.00")
    assert order.grand_total == Decimal("525.00")
    assert order.shipping_method_name == "Express"


def test_emails_are_enqueued_in_the_order_transaction_so_a_rollback_drops_them_too(settings):
    # The staff notice is enqueued after the confirmation; making it fail in the
    # database rolls back the whole checkout, the confirmation's task included.
    settings.ORDERS_NOTIFY_EMAIL = "staff@" + "x" * 300 + ".example"
    variant = VariantFactory(stock=5)

    with pytest.raises(DataError):
        order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())

    variant.refresh_from_db()
    assert variant.stock == 5
    assert Order.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert not DBTaskResult.objects.exists()


def test_a_one_line_order_takes_eleven_statements(django_assert_num_queries):
    variant = VariantFactory(stock=5)
    cart = cart_with((variant, 1))
    checkout = checkout_data()

    # Savepoint (the transaction in tests), the hourly order count per IP and email, the
    # product's lock, stock (returning the variant: the snapshot's read went), the live
    # automatic promotions (none), order, lines, event, both emails in one insert, one task
    # to send them, release.
    with django_assert_num_queries(11):
        order = order_place(cart=cart, checkout=checkout, token=uuid.uuid4())

    assert order.placed_now
    assert order.grand_total == Decimal("31.99")


def test_each_more_line_costs_one_stock_update():
    variants = [VariantFactory(stock=5) for _ in range(3)]
    checkout = checkout_data()

    with CaptureQueriesContext(connection) as one_line:
        order_place(cart=cart_with((variants[0], 1)), checkout=checkout, token=uuid.uuid4())
    with CaptureQueriesContext(connection) as two_lines:
        order_place(cart=cart_with((variants[1], 1), (variants[2], 1)), checkout=checkout, token=uuid.uuid4())

    assert len(two_lines) == len(one_line) + 1


def test_a_repeated_token_returns_the_order_even_when_the_cart_is_now_short():
    variant = VariantFactory(stock=2)
    token = uuid.uuid4()
    first = order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=token)

    again = order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=token)

    variant.refresh_from_db()
    assert again.pk == first.pk
    assert not again.placed_now
    assert variant.stock == 0
    assert Order.objects.count() == 1


def test_an_order_number_taken_already_is_replaced_by_another(monkeypatch):
    taken = order_place(cart=cart_with((VariantFactory(), 1)), checkout=checkout_data(), token=uuid.uuid4())
    variant = VariantFactory(stock=5)
    # The random source stands in: first the number already taken, then a fresh one.
    numbers = iter([taken.number, "MPFRESH234"])
    monkeypatch.setattr("orders.services.placing.order_number_generate", lambda: next(numbers))

    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())

    variant.refresh_from_db()
    assert order.number == "MPFRESH234"
    assert variant.stock == 4
    assert Order.objects.count() == 2
    assert OrderLine.objects.filter(order=order).count() == 1


def test_an_order_is_placed_in_one_durable_transaction():
    with pytest.raises(RuntimeError), transaction.atomic(durable=True):
        order_place(cart=cart_with((VariantFactory(), 1)), checkout=checkout_data(), token=uuid.uuid4())
