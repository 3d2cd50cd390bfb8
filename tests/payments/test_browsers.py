"""Which payment path a browser gets: its kind from the real User-Agent, then each gateway's channel."""

import pytest

from payments.browsers import Browser, browser_kind
from payments.providers.alipay import AlipayProvider
from payments.providers.stripe import StripeProvider
from payments.providers.wechat import WeChatPayProvider
from tests.payments.user_agents import (
    ALIPAY_ANDROID,
    ALIPAY_IOS,
    CHROME_ANDROID,
    CHROME_DESKTOP,
    FIREFOX_DESKTOP,
    MOBILE_SAFARI,
    SAFARI_DESKTOP,
    WECHAT_ANDROID,
    WECHAT_IOS,
    WECHAT_IPAD,
    WECHAT_WINDOWS,
)


@pytest.mark.parametrize(
    ("user_agent", "browser"),
    [
        (WECHAT_ANDROID, Browser.WECHAT),
        (WECHAT_IOS, Browser.WECHAT),
        (WECHAT_IPAD, Browser.WECHAT),
        (WECHAT_WINDOWS, Browser.WECHAT),
        (ALIPAY_ANDROID, Browser.ALIPAY_APP),
        (ALIPAY_IOS, Browser.ALIPAY_APP),
        (MOBILE_SAFARI, Browser.MOBILE),
        (CHROME_ANDROID, Browser.MOBILE),
        (CHROME_DESKTOP, Browser.DESKTOP),
        (FIREFOX_DESKTOP, Browser.DESKTOP),
        (SAFARI_DESKTOP, Browser.DESKTOP),
        ("", Browser.DESKTOP),
    ],
)
def test_browser_kind_is_told_by_the_user_agent(user_agent, browser):
    assert browser_kind(user_agent) is browser


@pytest.mark.parametrize(
    ("user_agent", "wechat", "alipay", "stripe"),
    [
        (WECHAT_ANDROID, None, None, ""),
        (WECHAT_IOS, None, None, ""),
        (ALIPAY_ANDROID, "native", "wap", ""),
        (ALIPAY_IOS, "native", "wap", ""),
        (MOBILE_SAFARI, "h5", "wap", ""),
        (CHROME_ANDROID, "h5", "wap", ""),
        (CHROME_DESKTOP, "native", "page", ""),
        (FIREFOX_DESKTOP, "native", "page", ""),
        (SAFARI_DESKTOP, "native", "page", ""),
    ],
)
def test_each_gateway_picks_its_channel_for_the_browser(user_agent, wechat, alipay, stripe):
    browser = browser_kind(user_agent)

    assert WeChatPayProvider().channel_for(browser=browser) == wechat
    assert AlipayProvider().channel_for(browser=browser) == alipay
    assert StripeProvider().channel_for(browser=browser) == stripe


def test_wechat_pay_inside_wechat_is_jsapi_once_the_official_account_exists(settings):
    assert WeChatPayProvider().channel_for(browser=Browser.WECHAT) is None
    settings.WECHAT_MP_APP_ID = "wx8888888888888888"
    settings.WECHAT_MP_APP_SECRET = "secret-of-the-official-account"

    assert WeChatPayProvider().channel_for(browser=Browser.WECHAT) == "jsapi"
    assert WeChatPayProvider().channel_for(browser=Browser.MOBILE) == "h5"


@pytest.mark.parametrize(
    ("app_id", "secret"), [("", ""), ("wx8888888888888888", ""), ("", "secret-of-the-official-account")]
)
def test_wechat_pay_inside_wechat_needs_both_official_account_settings(settings, app_id, secret):
    settings.WECHAT_MP_APP_ID = app_id
    settings.WECHAT_MP_APP_SECRET = secret

    assert WeChatPayProvider().channel_for(browser=Browser.WECHAT) is None
    assert WeChatPayProvider().is_offered_in(browser=Browser.WECHAT) is False


def test_alipay_stays_offered_inside_wechat_to_explain_the_way_out():
    assert AlipayProvider().is_offered_in(browser=Browser.WECHAT) is True
    assert WeChatPayProvider().is_offered_in(browser=Browser.WECHAT) is False
    assert WeChatPayProvider().is_offered_in(browser=Browser.ALIPAY_APP) is True
