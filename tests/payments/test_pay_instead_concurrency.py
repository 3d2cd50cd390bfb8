"""Two taps on "Pay with WeChat Pay instead" at once change the order's method once."""

import threading

import pytest
from django.db import connection

from orders.models import OrderEvent
from orders.services import order_payment_method_change
from tests.factories import OrderFactory
from tests.payments.user_agents import WECHAT_ANDROID


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_changes_record_one_event(settings, alipay, wechat):
    settings.PAYMENT_GATEWAYS = [
        "payments.providers.alipay.AlipayProvider",
        "payments.providers.wechat.WeChatPayProvider",
    ]
    settings.WECHAT_MP_APP_ID = "wx8888888888888888"
    settings.WECHAT_MP_APP_SECRET = "secret-of-the-official-account"
    order = OrderFactory(payment_method="alipay")
    barrier = threading.Barrier(2)
    errors = []

    def change() -> None:
        try:
            barrier.wait()
            order_payment_method_change(order=order, code="wechat", user_agent=WECHAT_ANDROID)
        except Exception as error:  # any failure fails the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=change) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    order.refresh_from_db()
    assert errors == []
    assert order.payment_method == "wechat"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_METHOD).count() == 1
