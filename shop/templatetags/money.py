from decimal import Decimal

from django import template

from shop.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(amount: Decimal | None) -> str:
    """Format an amount in the shop currency: the one filter templates use for money."""
    return format_money(amount)
