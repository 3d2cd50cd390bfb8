"""Fixtures of the payment tests: a variant and shipping, each gateway's stand-in, orders placed with it.

Fixtures that several test modules of one gateway share carry the gateway's
name (``wechat_placed``, ``alipay_placed``, ``fakepay_placed``), as each
gateway places its order its own way.
"""

from decimal import Decimal

import pytest

from tests.factories import ProductFactory, VariantFactory
from tests.orders.helpers import standard_shipping
from tests.payments.alipay.standin import AlipayStandin
from tests.payments.core.fake_gateway import BANK
from tests.payments.helpers import online_order
from tests.payments.stripe.standin import StripeStandin
from tests.payments.wechat.standin import WeChatPayStandIn


@pytest.fixture
def shipping(db):
    """Standard shipping: ¥12.00, free from ¥199.00."""
    return standard_shipping()


@pytest.fixture
def variant(db):
    """An in-stock variant at ¥88.00 (an order of one costs ¥100.00 with shipping)."""
    return VariantFactory(product=ProductFactory(name="Tea Set"), price=Decimal("88.00"), stock=10)


# Stripe


@pytest.fixture
def stripe_gateway(settings):
    """The Stripe stand-in, running, with the shop configured to use it."""
    with StripeStandin() as standin:
        standin.use_in(settings)
        yield standin


# WeChat Pay


@pytest.fixture
def wechat(settings, monkeypatch):
    """The stand-in gateway, running, with the shop configured as its merchant."""
    settings.PAYMENT_NOTIFY_BASE_URL = "http://testserver"
    with WeChatPayStandIn() as standin:
        standin.use_in(settings, monkeypatch)
        yield standin


@pytest.fixture
def wechat_placed(client, wechat, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with WeChat Pay from a desktop browser: a QR code."""
    return online_order(client, variant=variant, shipping=shipping, method="wechat")


@pytest.fixture
def wechat_paid(client, wechat, wechat_placed):
    """The placed order, paid through a verified notification."""
    order, payment, _response = wechat_placed
    assert wechat.pay(payment.reference).post(client).status_code == 204
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


# Alipay


@pytest.fixture
def alipay(settings):
    """The stand-in gateway, and the shop configured for it (Alipay the only online gateway)."""
    settings.PAYMENT_GATEWAYS = ["payments.providers.alipay.AlipayProvider"]
    with AlipayStandin() as standin:
        standin.configure(settings)
        yield standin


@pytest.fixture
def alipay_placed(client, alipay, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with Alipay; the shopper has opened the cashier."""
    order, payment, response = online_order(client, variant=variant, shipping=shipping, method="alipay")
    alipay.open_cashier(payment.redirect_url)
    return order, payment, response


# The fake gateway of the core's tests (tests/payments/core/fake_gateway.py)


@pytest.fixture
def fake_gateway(settings):
    """FakePay the only online gateway, its bank fresh (modules use it with ``usefixtures``)."""
    settings.PAYMENT_GATEWAYS = ["tests.payments.core.fake_gateway.FakeGateway"]
    BANK.reset()
    yield
    BANK.reset()


@pytest.fixture
def fakepay_placed(client, fake_gateway, variant, shipping):
    """A guest order of one tea set (¥100.00) paid with FakePay, its payment started."""
    return online_order(client, variant=variant, shipping=shipping, method="fakepay")
