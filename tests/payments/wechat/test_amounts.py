"""Amounts in WeChat Pay's fen: exact both ways, and what the shop refuses to send or to believe."""

from decimal import Decimal

import pytest

from payments.providers.base import GatewayError
from payments.providers.wechat import amount_from_fen, fen_from_amount

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "fen"),
    [("0.01", 1), ("12.30", 1230), ("100", 10000), ("99999999.99", 9999999999)],
)
def test_amounts_convert_to_fen_and_back_exactly(amount, fen):
    assert fen_from_amount(Decimal(amount)) == fen
    assert amount_from_fen(fen) == Decimal(amount).quantize(Decimal("0.01"))


@pytest.mark.parametrize("amount", ["12.345", "0", "-1.00", "NaN"])
def test_amounts_that_are_not_whole_positive_fen_are_refused(amount):
    with pytest.raises(GatewayError):
        fen_from_amount(Decimal(amount))


@pytest.mark.parametrize("fen", [1.5, "100", -1, True, None])
def test_fen_from_the_gateway_must_be_a_non_negative_integer(fen):
    with pytest.raises(ValueError):
        amount_from_fen(fen)
