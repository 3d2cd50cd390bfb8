"""Money: the one place that rounds and formats amounts (docs/architecture.md, "Money")."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import number_format

CENT = Decimal("0.01")

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


def quantize(amount: Decimal) -> Decimal:
    """Round half-up to cents."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    """Unit price times quantity, rounded once."""
    return quantize(unit_price * quantity)


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    """Format an amount in the shop currency, e.g. ``¥1,299.00``."""
    if amount is None:
        return ""
    currency = currency or settings.SHOP_CURRENCY
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{number_format(quantize(Decimal(amount)), decimal_pos=2, force_grouping=True)}"


def proportion(amount: Decimal, part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` shares of ``amount``, rounded once (a unit's share of a line, say)."""
    return quantize(amount * part / whole)
