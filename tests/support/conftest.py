import pytest


@pytest.fixture(autouse=True)
def _support_addresses(settings):
    """Our addresses as the sample messages in emails/ know them."""
    settings.SUPPORT_EMAIL = "Maple & Pine Support <support@shop.test>"
    settings.SUPPORT_FROM_EMAIL = "Maple & Pine <support@shop.test>"
    settings.DEFAULT_FROM_EMAIL = "Maple & Pine <shop@shop.test>"
    settings.SERVER_EMAIL = "shop@shop.test"
    settings.SUPPORT_NOTIFY_EMAIL = "team@shop.test"
    settings.SUPPORT_REPLY_DOMAIN = ""
    settings.SITE_URL = "https://shop.test"
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 5
    settings.SUPPORT_RATE_LIMIT_PER_IP = 10
