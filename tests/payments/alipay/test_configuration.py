"""When the shop offers Alipay, the key formats it accepts, and the gateway origin the checkout may reach."""

import pytest
from django.urls import reverse

from payments.providers.alipay import AlipayProvider
from tests.payments.alipay.helpers import post_notification
from tests.payments.helpers import latest_order, online_checkout

pytestmark = pytest.mark.django_db


def test_alipay_is_offered_only_when_configured(client, alipay, variant, shipping, settings):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    offered = client.get(reverse("orders:checkout")).content.decode()
    settings.ALIPAY_APP_PRIVATE_KEY = ""

    not_offered = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="alipay"' in offered
    assert 'value="alipay"' not in not_offered


def test_keys_from_files_and_in_alipays_bare_base64_form(
    client, alipay, variant, shipping, settings, tmp_path
):
    key_file = tmp_path / "app_private_key.pem"
    key_file.write_text(settings.ALIPAY_APP_PRIVATE_KEY)
    settings.ALIPAY_APP_PRIVATE_KEY = ""
    settings.ALIPAY_APP_PRIVATE_KEY_FILE = str(key_file)
    bare = "".join(line for line in settings.ALIPAY_PUBLIC_KEY.splitlines() if "-----" not in line)
    settings.ALIPAY_PUBLIC_KEY = bare

    online_checkout(client, variant=variant, shipping=shipping, method="alipay")
    payment = latest_order().payments.get()
    alipay.open_cashier(payment.redirect_url)
    post_notification(client, alipay.pay(payment.reference))

    assert latest_order().payment_status == "paid"


def test_the_gateway_origin_follows_the_sandbox_switch_and_the_override(settings):
    provider = AlipayProvider()
    settings.ALIPAY_GATEWAY_URL = ""
    settings.ALIPAY_SANDBOX = False
    production = provider.form_action_origins()
    settings.ALIPAY_SANDBOX = True
    sandbox = provider.form_action_origins()
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:8765/gateway.do"

    # The gateway, and the cashier hosts it sends the browser on to.
    assert production == ["https://openapi.alipay.com", "https://*.alipay.com"]
    assert sandbox == ["https://openapi-sandbox.dl.alipaydev.com", "https://*.alipaydev.com"]
    assert provider.form_action_origins() == ["http://127.0.0.1:8765"]
