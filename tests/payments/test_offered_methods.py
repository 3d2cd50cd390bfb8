"""Whether checkout offers a payment method: one question per method, the same answer as per country."""

import pytest

from orders.payment_methods import payment_provider_list
from shop.addresses import Country
from tests.payments.user_agents import ALIPAY_ANDROID, CHROME_DESKTOP, WECHAT_ANDROID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("gateway", ["wechat", "alipay", "stripe_gateway"])
@pytest.mark.parametrize("user_agent", ["", CHROME_DESKTOP, WECHAT_ANDROID, ALIPAY_ANDROID])
@pytest.mark.parametrize("cod_countries", [["CN"], []])
def test_a_method_is_offered_exactly_when_some_country_may_choose_it(
    request, settings, gateway, user_agent, cod_countries
):
    request.getfixturevalue(gateway)
    settings.SHOP_COD_COUNTRIES = cod_countries

    offered = {
        provider.code: provider.is_offered(countries=Country.values, user_agent=user_agent)
        for provider in payment_provider_list()
    }

    assert offered == {
        provider.code: any(
            provider.is_available(country=country, user_agent=user_agent) for country in Country.values
        )
        for provider in payment_provider_list()
    }
    assert offered["cod"] is bool(cod_countries)


def test_checkout_offers_a_configured_gateway_from_a_desktop_browser(wechat):
    wechat_pay = next(provider for provider in payment_provider_list() if provider.code == "wechat")

    assert wechat_pay.is_offered(countries=Country.values, user_agent=CHROME_DESKTOP) is True
