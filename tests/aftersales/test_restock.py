"""Receiving returned goods puts the chosen units back in stock exactly once, through the catalogue."""

from decimal import Decimal

import pytest

from aftersales.exceptions import StepNotAllowed
from aftersales.services import after_sales_receive
from catalog.models import BackInStockRequest, Variant
from tests.aftersales.helpers import (
    approved,
    ask,
    delivered,
    fresh,
    line_of,
    received,
    staff,
    stock_of,
    two_line_order,
)
from tests.factories import ProductFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


def test_receiving_restocks_the_chosen_units_and_records_them_on_the_lines():
    order = two_line_order()
    teapot, tea = line_of(order, "Teapot").variant, line_of(order, "Tea").variant
    before = stock_of(teapot), stock_of(tea)

    request = received(ask(order, lines={"Teapot": 2, "Tea": 1}), restock={"Teapot": 1, "Tea": 1})

    assert (stock_of(teapot), stock_of(tea)) == (before[0] + 1, before[1] + 1)
    restocked = {line.order_line.product_name: line.restocked_quantity for line in request.lines.all()}
    assert restocked == {"Teapot": 1, "Tea": 1}
    assert order.events.filter(kind="restocked").count() == 1
    assert request.goods_received_at is not None


def test_receiving_twice_is_refused_and_restocks_once():
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    before = stock_of(teapot)
    request = received(ask(order))
    line = request.lines.get()

    with pytest.raises(StepNotAllowed, match="Only an approved return or exchange can be received"):
        after_sales_receive(request=fresh(request), actor=staff(), restock={line.pk: 1})

    assert stock_of(teapot) == before + 1


def test_restocking_nothing_leaves_the_stock_as_it_is():
    order = two_line_order()
    teapot = line_of(order, "Teapot").variant
    before = stock_of(teapot)

    request = received(ask(order), restock={})

    assert request.status == "received"
    assert stock_of(teapot) == before
    assert request.lines.get().restocked_quantity == 0
    assert not order.events.filter(kind="restocked").exists()


@pytest.mark.parametrize("units", [-1, 2])
def test_restocking_outside_zero_to_the_line_units_is_refused(units):
    order = two_line_order()
    request = approved(ask(order))
    line = request.lines.get()

    with pytest.raises(StepNotAllowed, match="Restock between 0 and 1 of Teapot"):
        after_sales_receive(request=request, actor=staff(), restock={line.pk: units})
    assert fresh(request).status == "approved"


def test_restocking_a_line_of_another_request_is_refused():
    order = two_line_order()
    request = approved(ask(order))
    other = ask(order, lines={"Tea": 1})

    with pytest.raises(StepNotAllowed, match="Restock only the lines of this request"):
        after_sales_receive(request=request, actor=staff(), restock={other.lines.get().pk: 1})


def test_a_deleted_variant_is_skipped_and_the_request_is_still_received():
    order = two_line_order()
    tea = line_of(order, "Tea").variant
    request = approved(ask(order, lines={"Teapot": 1, "Tea": 1}))
    teapot_line = request.lines.get(order_line__product_name="Teapot")
    tea_line = request.lines.get(order_line__product_name="Tea")
    teapot = line_of(order, "Teapot").variant
    Variant.objects.filter(pk=teapot.pk).delete()
    before = stock_of(tea)

    request = after_sales_receive(
        request=fresh(request), actor=staff(), restock={teapot_line.pk: 1, tea_line.pk: 1}
    )

    assert request.status == "received"
    assert stock_of(tea) == before + 1
    assert fresh(request).lines.get(pk=teapot_line.pk).restocked_quantity == 0
    sku = line_of(order, "Teapot").sku
    assert request.events.last().note == f"Not restocked, no longer in the catalogue: {sku}."


def test_a_shopper_waiting_for_the_sold_out_variant_is_notified_when_it_comes_back():
    last = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=1)
    order = delivered(place((last, 1)))
    assert stock_of(last) == 0
    waiting = BackInStockRequest.objects.create(variant=last, email="bo@example.com", language="en")

    received(ask(order))

    assert stock_of(last) == 1
    waiting.refresh_from_db()
    assert waiting.status == "notified"
