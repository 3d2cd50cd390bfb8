"""Which kind of browser a shopper pays from: the one place that tells them apart by User-Agent.

Inside WeChat's built-in browser (``MicroMessenger``, on phones, iPads and WeChat for
desktop alike) WeChat Pay's H5 payment is refused and Alipay's pages are blocked; inside
the Alipay app (``AlipayClient``) WeChat Pay cannot be opened. The gateways choose their
channel for each kind (``GatewayProvider.channel_for``).
"""

import re
from enum import StrEnum

MOBILE_BROWSER = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)


class Browser(StrEnum):
    DESKTOP = "desktop"
    MOBILE = "mobile"
    WECHAT = "wechat"
    ALIPAY_APP = "alipay_app"


def browser_kind(user_agent: str) -> Browser:
    """The kind of browser that sent ``user_agent`` (an empty or unknown one counts as a desktop)."""
    if "MicroMessenger" in user_agent:
        return Browser.WECHAT
    if "AlipayClient" in user_agent:
        return Browser.ALIPAY_APP
    if MOBILE_BROWSER.search(user_agent):
        return Browser.MOBILE
    return Browser.DESKTOP
