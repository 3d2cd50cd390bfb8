import pytest

from cart.exceptions import OutOfStock, VariantUnavailable
from cart.selectors import cart_quantities_get
from cart.services import cart_add, cart_clear, cart_prune, cart_update
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_cart_add_puts_the_variant_in_the_session_with_a_string_key():
    variant = VariantFactory(stock=10)
    session = {}

    change = cart_add(session=session, variant_id=variant.pk, quantity=2)

    assert session == {"cart": {str(variant.pk): 2}}
    assert change.quantity == 2
    assert not change.capped


def test_cart_add_sums_with_what_is_already_in_the_cart():
    variant = VariantFactory(stock=10)
    session = {"cart": {str(variant.pk): 3}}

    change = cart_add(session=session, variant_id=variant.pk, quantity=4)

    assert change.quantity == 7
    assert cart_quantities_get(session=session) == {variant.pk: 7}


def test_cart_add_caps_the_sum_at_the_stock():
    variant = VariantFactory(stock=5)
    session = {"cart": {str(variant.pk): 3}}

    change = cart_add(session=session, variant_id=variant.pk, quantity=4)

    assert change.quantity == 5
    assert change.requested == 7
    assert change.capped
    assert cart_quantities_get(session=session) == {variant.pk: 5}


def test_cart_add_refuses_when_the_cart_already_holds_every_unit_and_changes_nothing():
    variant = VariantFactory(stock=2)
    session = {"cart": {str(variant.pk): 2}}

    with pytest.raises(OutOfStock) as raised:
        cart_add(session=session, variant_id=variant.pk, quantity=1)

    assert raised.value.available == 2
    assert raised.value.in_cart == 2
    assert session == {"cart": {str(variant.pk): 2}}


def test_cart_add_refuses_a_sold_out_variant():
    variant = VariantFactory(stock=0)
    session = {}

    with pytest.raises(OutOfStock) as raised:
        cart_add(session=session, variant_id=variant.pk, quantity=1)

    assert raised.value.available == 0
    assert session == {}


@pytest.mark.parametrize("make_variant", ["inactive_variant", "inactive_product", "unknown"])
def test_cart_add_refuses_a_variant_that_is_not_for_sale(make_variant):
    if make_variant == "inactive_variant":
        variant_id = VariantFactory(is_active=False).pk
    elif make_variant == "inactive_product":
        variant_id = VariantFactory(product=ProductFactory(is_active=False)).pk
    else:
        variant_id = 987654321
    session = {}

    with pytest.raises(VariantUnavailable):
        cart_add(session=session, variant_id=variant_id, quantity=1)

    assert session == {}


def test_cart_update_sets_the_quantity():
    variant = VariantFactory(stock=10)
    session = {"cart": {str(variant.pk): 3}}

    change = cart_update(session=session, variant_id=variant.pk, quantity=1)

    assert change.quantity == 1
    assert cart_quantities_get(session=session) == {variant.pk: 1}


def test_cart_update_caps_at_the_stock():
    variant = VariantFactory(stock=4)
    session = {"cart": {str(variant.pk): 1}}

    change = cart_update(session=session, variant_id=variant.pk, quantity=9)

    assert change.quantity == 4
    assert change.capped


def test_cart_update_to_zero_removes_even_a_withdrawn_variant():
    variant = VariantFactory(is_active=False)
    other = VariantFactory()
    session = {"cart": {str(variant.pk): 2, str(other.pk): 1}}

    cart_update(session=session, variant_id=variant.pk, quantity=0)

    assert cart_quantities_get(session=session) == {other.pk: 1}


def test_cart_update_refuses_a_positive_quantity_of_a_sold_out_variant():
    variant = VariantFactory(stock=0)
    session = {"cart": {str(variant.pk): 2}}

    with pytest.raises(OutOfStock):
        cart_update(session=session, variant_id=variant.pk, quantity=1)

    assert session == {"cart": {str(variant.pk): 2}}


def test_cart_prune_and_clear():
    variant = VariantFactory()
    session = {"cart": {str(variant.pk): 1, "999999": 2}}

    cart_prune(session=session, variant_ids=[999999])
    pruned = dict(session["cart"])
    cart_clear(session=session)

    assert pruned == {str(variant.pk): 1}
    assert session == {}


def test_malformed_session_data_reads_as_an_empty_cart():
    session = {"cart": {"abc": 1, "5": "many", "-3": 2, "7": -1}}

    assert cart_quantities_get(session=session) == {}
