"""Products exempt from the no-reason return: the exemption the line was bought with decides."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RequestNotAllowed
from aftersales.selectors import order_line_availability
from catalog.models import Product
from tests.aftersales.helpers import ask, delivered
from tests.factories import ProductFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


def _order_with_fresh_tea():
    teapot = VariantFactory(product=ProductFactory(name="Teapot"), price=Decimal("100.00"), stock=10)
    tea = VariantFactory(
        product=ProductFactory(name="Fresh Tea", return_exemption="perishable"),
        price=Decimal("50.00"),
        stock=10,
    )
    return delivered(place((teapot, 1), (tea, 2)))


@pytest.mark.parametrize("reason", ["changed_mind", "wrong_size"])
def test_an_exempt_line_cannot_be_returned_without_a_reason_and_the_message_names_the_exemption(reason):
    order = _order_with_fresh_tea()

    with pytest.raises(RequestNotAllowed) as refused:
        ask(order, reason=reason, lines={"Fresh Tea": 1})

    assert str(refused.value) == (
        "Fresh Tea cannot be returned without a reason: Fresh, live or perishable goods."
    )
    assert not order.after_sales_requests.exists()


def test_an_exempt_line_can_be_returned_when_it_is_faulty():
    order = _order_with_fresh_tea()

    request = ask(order, reason="faulty", lines={"Fresh Tea": 2})

    assert request.status == "requested"
    assert request.lines.get().quantity == 2


def test_a_request_mixing_an_exempt_line_with_others_is_refused_whole():
    order = _order_with_fresh_tea()

    with pytest.raises(RequestNotAllowed, match="Fresh Tea cannot be returned without a reason"):
        ask(order, lines={"Teapot": 1, "Fresh Tea": 1})

    assert not order.after_sales_requests.exists()
    assert ask(order, lines={"Teapot": 1}).status == "requested"


def test_the_exemption_at_purchase_holds_when_the_product_changes_afterwards():
    order = _order_with_fresh_tea()
    Product.objects.filter(name="Fresh Tea").update(return_exemption="")
    Product.objects.filter(name="Teapot").update(return_exemption="custom")

    with pytest.raises(RequestNotAllowed, match="Fresh Tea cannot be returned without a reason"):
        ask(order, lines={"Fresh Tea": 1})
    assert ask(order, lines={"Teapot": 1}).status == "requested"


def test_the_availability_of_lines_states_the_exemption_label():
    order = _order_with_fresh_tea()

    by_name = {row.order_line.product_name: row for row in order_line_availability(order=order)}

    assert by_name["Fresh Tea"].no_reason_exempt
    assert by_name["Fresh Tea"].exemption_label == "Fresh, live or perishable goods"
    assert not by_name["Teapot"].no_reason_exempt
    assert by_name["Teapot"].exemption_label == ""
