from django import template

from cart.forms import CouponForm

register = template.Library()


@register.inclusion_tag("cart/_coupon_form.html", takes_context=True)
def coupon_form(context: template.Context, next_url: str = "") -> dict:
    """The coupon code form, going back to ``next_url`` (else the cart): ``{% coupon_form next_url %}``."""
    return {"coupon_form": CouponForm(), "next": next_url, "csrf_token": context.get("csrf_token")}
