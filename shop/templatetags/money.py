from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import pgettext

from shop.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(amount: Decimal | None) -> str:
    """Format an amount in the shop currency: the one filter templates use for money."""
    return format_money(amount)


@register.simple_tag(name="price_was")
def price_was(regular: Decimal | str | None) -> str:
    """The regular price struck through after a sale price: `` <del>was ¥199.00</del>``; "" for None.

    Takes an amount, or a text the server already formatted. "was" is for
    screen readers only, which often do not say that text is struck through.
    """
    if regular is None or regular == "":
        return ""
    text = regular if isinstance(regular, str) else format_money(regular)
    return format_html(
        ' <del class="price-was"><span class="visually-hidden">{}</span> {}</del>',
        pgettext("the regular price, struck through after a sale price", "was"),
        text,
    )
