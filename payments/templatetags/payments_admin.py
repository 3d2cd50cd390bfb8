"""Online payments on the admin index's dashboard: ``{% wechat_pay_missing_inside_wechat as missing %}``."""

from django import template
from django.http import HttpRequest

from payments.browsers import Browser
from payments.selectors import gateway_get

register = template.Library()


@register.simple_tag(takes_context=True)
def wechat_pay_missing_inside_wechat(context: template.Context) -> bool:
    """Whether a configured WeChat Pay cannot be paid inside WeChat, for staff who may see payments."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("payments.view_payment"):
        return False
    wechat = gateway_get("wechat")
    return wechat is not None and wechat.is_configured() and not wechat.is_offered_in(browser=Browser.WECHAT)
