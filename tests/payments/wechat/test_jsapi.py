"""WeChat Pay inside WeChat (JSAPI): silent OAuth for the openid, then a JSAPI prepay order paid in the page.

The real wechatpayv3 SDK and the shop's OAuth code run against the local stand-in
(tests/payments/wechat/standin/), which serves WeChat's authorisation page and code
exchange, checks the shop's request signatures and signs its answers.
"""

import base64
import json
import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import signing
from django.test import Client
from django.urls import reverse

from payments.models import Payment, PaymentEvent
from payments.providers.wechat import oauth
from tests.payments.user_agents import CHROME_DESKTOP
from tests.payments.wechat.helpers import assert_nothing_paid

pytestmark = pytest.mark.django_db

WECHAT_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220067 "
    "MMWEBSDK/20240301 MMWEBID/6533 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
BRIDGE_PARAMS = re.compile(r'<script id="wechat-pay-params" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def jsapi(wechat, settings):
    """The stand-in, with the shop's official account configured (its OAuth served by the stand-in)."""
    wechat.use_official_account_in(settings)
    return wechat


def pay_in_wechat(client, order):
    """The shopper presses "Pay with WeChat Pay" in WeChat's browser (channel jsapi)."""
    url = reverse("payments:pay", args=[order.number]) + f"?token={order.access_token}"
    return client.post(url, {"channel": "jsapi"}, headers={"User-Agent": WECHAT_BROWSER})


def through_wechat(authorize_url: str) -> dict[str, str]:
    """WeChat's authorisation page (the stand-in's) answers; returns the code and state it sends back."""
    answer = requests.get(authorize_url.split("#")[0], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return {name: values[0] for name, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def back_from_wechat(client, back: dict[str, str]):
    return client.get(reverse("payments:wechat_oauth"), back, headers={"User-Agent": WECHAT_BROWSER})


def bridge_params(page) -> dict[str, str]:
    return json.loads(unescape(BRIDGE_PARAMS.search(page.content.decode()).group(1)))


def refusal_text(response) -> str:
    return unescape(re.search(r'<p role="alert">(.*?)</p>', response.content.decode(), re.S).group(1))


def test_paying_in_wechat_learns_the_openid_silently_then_pays_a_signed_jsapi_order_in_the_page(
    client, jsapi, wechat_placed, settings
):
    order, _native, _response = wechat_placed

    start = pay_in_wechat(client, order)
    authorize = urlsplit(start["Location"])
    query = {name: values[0] for name, values in parse_qs(authorize.query).items()}
    back = through_wechat(start["Location"])
    answer = back_from_wechat(client, back)
    page = client.get(answer["Location"], headers={"User-Agent": WECHAT_BROWSER})

    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == (
        f"{jsapi.base_url}/connect/oauth2/authorize"
    )
    assert authorize.fragment == "wechat_redirect"
    assert query["appid"] == jsapi.MP_APP_ID
    assert query["redirect_uri"] == settings.SITE_URL + reverse("payments:wechat_oauth")
    assert (query["response_type"], query["scope"]) == ("code", "snsapi_base")
    assert query["state"].isalnum() and len(query["state"]) <= 128
    payment = order.payments.get(channel="jsapi")
    assert answer["Location"] == settings.SITE_URL + order.get_access_url()
    transaction = jsapi.transaction(payment.reference)
    assert transaction.trade_type == "JSAPI"
    assert transaction.request["appid"] == jsapi.MP_APP_ID
    assert transaction.request["payer"] == {"openid": jsapi.openid}
    assert transaction.request["amount"] == {"total": 10000, "currency": "CNY"}
    assert transaction.request["notify_url"] == "http://testserver/payments/notify/wechat/"
    assert ("POST", "/v3/pay/transactions/jsapi", 200) in jsapi.calls
    assert (payment.status, payment.gateway_reference) == (Payment.Status.PENDING, "wx" + transaction.token)
    params = bridge_params(page)
    assert params["appId"] == jsapi.MP_APP_ID
    assert params["package"] == f"prepay_id=wx{transaction.token}"
    assert params["signType"] == "RSA"
    assert abs(int(params["timeStamp"]) - time.time()) < 60
    assert jsapi.pay_sign_valid(params)
    assert client.session[oauth.SESSION_OPENID] == {"app": jsapi.MP_APP_ID, "openid": jsapi.openid}
    stored = json.dumps([event.payload for event in PaymentEvent.objects.all()])
    assert jsapi.openid not in stored and jsapi.openid not in payment.redirect_url


def test_a_bridge_signature_over_other_parameters_does_not_verify(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back = through_wechat(pay_in_wechat(client, order)["Location"])
    params = bridge_params(
        client.get(back_from_wechat(client, back)["Location"], headers={"User-Agent": WECHAT_BROWSER})
    )

    tampered = {**params, "package": "prepay_id=wx-another-order"}

    assert jsapi.pay_sign_valid(params)
    assert not jsapi.pay_sign_valid(tampered)


def test_once_the_openid_is_known_paying_again_skips_the_authorisation(
    client, jsapi, wechat_placed, settings
):
    order, _native, _response = wechat_placed
    back_from_wechat(client, through_wechat(pay_in_wechat(client, order)["Location"]))

    again = pay_in_wechat(client, order)

    assert again["Location"] == settings.SITE_URL + order.get_access_url()
    assert order.payments.filter(channel="jsapi").count() == 1


def test_a_prepay_answer_not_signed_by_wechat_pay_is_refused(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    jsapi.answer_signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    answer = back_from_wechat(client, through_wechat(pay_in_wechat(client, order)["Location"]))

    payment = order.payments.get(channel="jsapi")
    assert answer["Location"] == order.get_access_url()
    assert payment.status == Payment.Status.FAILED
    assert "WeChat Pay cannot be reached right now" in client.get(answer["Location"]).content.decode()
    assert_nothing_paid(order, order.payments.get(channel="native"))


def test_a_forged_state_gets_a_clear_400_and_no_payment(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back = through_wechat(pay_in_wechat(client, order)["Location"])
    forged = base64.b32encode(b"0123456789ab." + order.number.encode()).decode().rstrip("=")

    answer = back_from_wechat(client, {**back, "state": forged})

    assert answer.status_code == 400
    assert "This link from WeChat is not valid here" in refusal_text(answer)
    assert not order.payments.filter(channel="jsapi").exists()
    assert oauth.SESSION_OPENID not in client.session


@pytest.mark.parametrize("state", ["", "not base32!", "MZXW6===", "A" * 300])
def test_a_garbled_state_gets_a_400_not_a_500(client, jsapi, state):
    answer = back_from_wechat(client, {"code": "abc", "state": state})

    assert answer.status_code == 400


def test_a_replayed_state_is_refused(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back = through_wechat(pay_in_wechat(client, order)["Location"])
    assert back_from_wechat(client, back).status_code == 302

    replayed = back_from_wechat(client, {**back, "code": jsapi.code_for()})

    assert replayed.status_code == 400
    assert "This link from WeChat is not valid here" in refusal_text(replayed)
    assert order.payments.filter(channel="jsapi").count() == 1


def test_a_state_from_another_session_is_refused(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back = through_wechat(pay_in_wechat(client, order)["Location"])

    other = back_from_wechat(Client(), back)

    assert other.status_code == 400
    assert "This link from WeChat is not valid here" in refusal_text(other)
    assert not order.payments.filter(channel="jsapi").exists()


def test_an_expired_state_is_refused(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back = through_wechat(pay_in_wechat(client, order)["Location"])
    nonce = next(iter(client.session[oauth.SESSION_PENDING]))

    class LongAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - oauth.STATE_MAX_AGE - 5)

    signed = LongAgo(salt=oauth.STATE_SALT).sign(f"{nonce}.{order.number}")
    old_state = base64.b32encode(signed.encode()).decode().rstrip("=")

    answer = back_from_wechat(client, {**back, "state": old_state})

    assert answer.status_code == 400
    assert "has expired" in refusal_text(answer)
    assert not order.payments.filter(channel="jsapi").exists()


def test_a_code_used_before_is_refused_with_a_way_back_to_the_order(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    first = through_wechat(pay_in_wechat(client, order)["Location"])
    back_from_wechat(client, first)
    session = client.session
    del session[oauth.SESSION_OPENID]
    session.save()
    second = through_wechat(pay_in_wechat(client, order)["Location"])

    answer = back_from_wechat(client, {**second, "code": first["code"]})

    assert answer.status_code == 400
    assert "WeChat did not confirm your account" in refusal_text(answer)
    assert order.get_access_url().replace("&", "&amp;") in answer.content.decode()
    assert oauth.SESSION_OPENID not in client.session


def test_an_exchange_answer_without_openid_is_refused(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    jsapi.exchange_without_openid = True

    answer = back_from_wechat(client, through_wechat(pay_in_wechat(client, order)["Location"]))

    assert answer.status_code == 400
    assert "WeChat did not confirm your account" in refusal_text(answer)
    assert oauth.SESSION_OPENID not in client.session
    assert not order.payments.filter(channel="jsapi").exists()


def test_without_an_official_account_jsapi_is_not_used(client, wechat, wechat_placed):
    order, _native, _response = wechat_placed

    start = pay_in_wechat(client, order)

    assert not start["Location"].startswith(wechat.base_url + "/connect/")
    assert not order.payments.filter(channel="jsapi").exists()


def test_the_jsapi_notification_pays_the_order(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back_from_wechat(client, through_wechat(pay_in_wechat(client, order)["Location"]))
    payment = order.payments.get(channel="jsapi")

    assert jsapi.pay(payment.reference).post(client).status_code == 204

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert order.payment_status == order.PaymentStatus.PAID


def test_another_browser_opening_the_order_gets_the_usual_form_not_the_bridge(client, jsapi, wechat_placed):
    order, _native, _response = wechat_placed
    back_from_wechat(client, through_wechat(pay_in_wechat(client, order)["Location"]))
    assert BRIDGE_PARAMS.search(
        client.get(order.get_access_url(), headers={"User-Agent": WECHAT_BROWSER}).content.decode()
    )

    desktop = client.get(order.get_access_url(), headers={"User-Agent": CHROME_DESKTOP}).content.decode()

    assert not BRIDGE_PARAMS.search(desktop)
    assert reverse("payments:pay", args=[order.number]) in desktop
