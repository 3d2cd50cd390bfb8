from decimal import Decimal

import pytest

from tests.factories import ProductFactory, VariantFactory
from tests.orders.helpers import standard_shipping


@pytest.fixture
def shipping(db):
    """Standard shipping: ¥12.00, free from ¥199.00."""
    return standard_shipping()


@pytest.fixture
def variant(db):
    """An in-stock variant at ¥88.00 (an order of one costs ¥100.00 with shipping)."""
    return VariantFactory(product=ProductFactory(name="Tea Set"), price=Decimal("88.00"), stock=10)
