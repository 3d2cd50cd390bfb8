"""When the shop offers WeChat Pay, and its merchant keys given inline or as files."""

import pytest
from django.urls import reverse

from payments.providers.wechat import WeChatPayProvider
from tests.payments.helpers import latest_order, online_checkout

pytestmark = pytest.mark.django_db


def test_wechat_pay_is_offered_only_when_configured(client, settings, variant, shipping):
    settings.WECHATPAY_MCH_ID = ""

    page = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="wechat"' not in page
    assert WeChatPayProvider().is_configured() is False


def test_wechat_pay_is_offered_with_configuration(client, wechat, variant, shipping):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    page = client.get(reverse("orders:checkout")).content.decode()

    assert 'value="wechat"' in page and "WeChat Pay" in page


def test_keys_can_be_given_as_files(client, wechat, settings, tmp_path, variant, shipping):
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(settings.WECHATPAY_PRIVATE_KEY)
    public_file = tmp_path / "pub_key.pem"
    public_file.write_text(settings.WECHATPAY_PUBLIC_KEY)
    settings.WECHATPAY_PRIVATE_KEY = settings.WECHATPAY_PUBLIC_KEY = ""
    settings.WECHATPAY_PRIVATE_KEY_FILE = str(key_file)
    settings.WECHATPAY_PUBLIC_KEY_FILE = str(public_file)

    online_checkout(client, variant=variant, shipping=shipping, method="wechat")

    assert latest_order().payments.get().qr_code.startswith("weixin://wxpay/bizpayurl?pr=")
