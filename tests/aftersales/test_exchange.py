"""Exchanges: another option of the same product at the same price, sent under the checkout's stock rules."""

from decimal import Decimal

import pytest

from aftersales.exceptions import ExchangeOutOfStock, RequestNotAllowed
from aftersales.services import after_sales_exchange_send, after_sales_refund
from catalog.models import Variant
from tests.aftersales.helpers import ask, fresh, line_of, received, staff, stock_of, two_line_order
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _other_teapot(order, **fields):
    values = {"price": Decimal("100.00"), "stock": 5, **fields}
    return VariantFactory(product=line_of(order, "Teapot").variant.product, **values)


def _exchange(order, wanted, units=1):
    return ask(
        order, kind="exchange", reason="wrong_size", lines={"Teapot": units}, exchange_for={"Teapot": wanted}
    )


def test_an_exchange_in_stock_takes_the_new_option_and_tells_the_customer():
    order = two_line_order()
    wanted = _other_teapot(order, stock=5)
    bought = line_of(order, "Teapot").variant
    before = stock_of(bought)
    request = received(_exchange(order, wanted, units=2))

    request = after_sales_exchange_send(request=request, actor=staff(), carrier="SF", tracking_number="SF77")

    assert request.status == "exchanged"
    assert (request.exchange_carrier, request.exchange_tracking_number) == ("SF", "SF77")
    assert stock_of(wanted) == 3
    assert stock_of(bought) == before + 2
    assert order.emails.filter(kind="after_sales", detail__status="exchanged").count() == 1


def test_an_exchange_out_of_stock_takes_nothing_and_can_be_refunded_instead():
    order = two_line_order()
    wanted = _other_teapot(order, stock=1)
    request = received(_exchange(order, wanted, units=2))

    with pytest.raises(ExchangeOutOfStock, match="has 1 left, not enough for this exchange"):
        after_sales_exchange_send(request=request, actor=staff(), carrier="SF", tracking_number="SF77")

    assert stock_of(wanted) == 1
    assert fresh(request).status == "received"
    refunded = after_sales_refund(request=fresh(request), actor=staff(), reference="BANK-3")
    assert (refunded.status, refunded.refund_amount) == ("refunded", Decimal("200.00"))


def test_an_exchange_needs_the_option_wanted_instead():
    order = two_line_order()

    with pytest.raises(RequestNotAllowed, match="Choose the option you want instead of Teapot"):
        ask(order, kind="exchange", reason="wrong_size")


@pytest.mark.parametrize(
    "wanted",
    [
        pytest.param(lambda order: VariantFactory(price=Decimal("100.00"), stock=5), id="another product"),
        pytest.param(lambda order: _other_teapot(order, price=Decimal("120.00")), id="another price"),
        pytest.param(lambda order: _other_teapot(order, is_active=False), id="withdrawn option"),
    ],
)
def test_an_exchange_for_another_product_or_price_is_refused_at_creation(wanted):
    order = two_line_order()

    with pytest.raises(RequestNotAllowed, match="another option of the same product at the same price"):
        _exchange(order, wanted(order))

    assert not order.after_sales_requests.exists()


def test_an_exchange_of_a_product_whose_option_was_deleted_is_refused():
    order = two_line_order()
    wanted = _other_teapot(order)
    Variant.objects.filter(pk=line_of(order, "Teapot").variant_id).delete()

    with pytest.raises(RequestNotAllowed, match="same product at the same price"):
        _exchange(order, wanted)
