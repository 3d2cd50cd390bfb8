"""Online payments on the admin index's dashboard: ``{% wechat_pay_missing_inside_wechat as missing %}``."""

from django import template
from django.http import HttpRequest

from payments.providers.wechat.client import official_account_configured
from payments.selectors import gateway_get

register = template.Library()


@register.simple_tag(takes_context=True)
def wechat_pay_missing_inside_wechat(context: template.Context) -> bool:
    """Whether WeChat Pay is configured without the official account it needs inside WeChat.

    False for staff who may not see payments.
    """
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.has_perm("payments.view_payment"):
        return False
    wechat = gateway_get("wechat")
    return wechat is not None and wechat.is_configured() and not official_account_configured()
