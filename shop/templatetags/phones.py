from django import template

from shop.phones import phone_display

register = template.Library()


@register.filter(name="phone")
def phone_filter(phone: str, country: str = "") -> str:
    """A stored phone in the national format of ``country`` (the address's), else international."""
    return phone_display(phone=phone or "", country=country or "")
