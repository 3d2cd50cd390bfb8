"""A placed order charges the sale price of the moment it is placed, and its lines remember the price."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Variant
from orders.emails import order_email_build
from orders.models import OrderLine
from orders.services import order_place
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db

JUST = timedelta(seconds=5)


def teapot(*, starts: timedelta | None = None, ends: timedelta | None = None) -> Variant:
    """A ¥199.00 teapot, ¥149.00 on sale in the window given as offsets from now (None: open)."""
    now = timezone.now()
    return VariantFactory(
        product=ProductFactory(name="Yixing Teapot"),
        sku="TEAPOT",
        price=Decimal("199.00"),
        sale_price=Decimal("149.00"),
        sale_starts_at=now + starts if starts is not None else None,
        sale_ends_at=now + ends if ends is not None else None,
        stock=10,
    )


@pytest.mark.parametrize(
    ("window", "unit_price", "regular_unit_price"),
    [
        pytest.param({"starts": JUST}, Decimal("199.00"), None, id="just-before-the-start"),
        pytest.param({"starts": -JUST}, Decimal("149.00"), Decimal("199.00"), id="just-after-the-start"),
        pytest.param({"ends": JUST}, Decimal("149.00"), Decimal("199.00"), id="just-before-the-end"),
        pytest.param({"ends": -JUST}, Decimal("199.00"), None, id="just-after-the-end"),
    ],
)
def test_an_order_line_snapshots_the_price_of_the_moment_it_is_placed(window, unit_price, regular_unit_price):
    variant = teapot(**window)

    order = order_place(cart=cart_with((variant, 2)), checkout=checkout_data(), token=uuid.uuid4())

    line = order.lines.get()
    assert (line.unit_price, line.regular_unit_price, line.line_total) == (
        unit_price,
        regular_unit_price,
        unit_price * 2,
    )
    assert order.subtotal == unit_price * 2


def test_a_sale_that_ends_after_the_cart_was_read_is_over_when_the_order_is_placed():
    variant = teapot(ends=JUST)
    cart = cart_with((variant, 1))
    assert cart.subtotal == Decimal("149.00")
    # The sale ends (staff end it early: the same as its end passing) before the shopper submits.
    Variant.objects.filter(pk=variant.pk).update(sale_ends_at=timezone.now())

    order = order_place(cart=cart, checkout=checkout_data(), token=uuid.uuid4())

    line = order.lines.get()
    assert (line.unit_price, line.regular_unit_price) == (Decimal("199.00"), None)
    assert order.subtotal == Decimal("199.00")


def test_the_snapshot_keeps_the_sale_price_after_the_sale_is_over():
    variant = teapot(starts=-JUST)
    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())

    variant.sale_price = variant.sale_starts_at = variant.sale_ends_at = None
    variant.save()

    line = OrderLine.objects.get(order=order)
    assert (line.unit_price, line.regular_unit_price) == (Decimal("149.00"), Decimal("199.00"))


def test_a_regular_price_not_above_the_price_paid_is_refused_by_the_database():
    line = OrderLineFactory(unit_price=Decimal("149.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(regular_unit_price=Decimal("149.00"))


def order_with_a_sale_line():
    order = OrderFactory(
        subtotal=Decimal("298.00"), shipping_total=Decimal("0.00"), grand_total=Decimal("298.00")
    )
    OrderLineFactory(
        order=order,
        product_name="Yixing Teapot",
        sku="TEAPOT",
        unit_price=Decimal("149.00"),
        regular_unit_price=Decimal("199.00"),
        quantity=2,
        line_total=Decimal("298.00"),
    )
    return order


def test_the_order_page_shows_what_the_sale_price_replaced(client):
    order = order_with_a_sale_line()

    page = client.get(order.get_absolute_access_url()).content.decode()

    assert '¥149.00 <del class="price-was"><span class="visually-hidden">was</span> ¥199.00</del>' in page


@pytest.mark.parametrize(("language", "was"), [("en", "was ¥199.00"), ("zh-hans", "原价 ¥199.00")])
def test_order_emails_show_what_the_sale_price_replaced(language, was):
    order = order_with_a_sale_line()

    message = order_email_build(order=order, kind="confirmation", to_email=order.email, language=language)

    assert "2 x Yixing Teapot [TEAPOT]" in message.body
    assert f"¥298.00 ({was})" in message.body
    assert f'2 &times; ¥149.00<br><small style="color:#666">{was}</small>' in message.alternatives[0][0]
