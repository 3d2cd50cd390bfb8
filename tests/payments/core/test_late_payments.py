"""Money that arrives late or twice, and staff and gateways meeting on the same order."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Variant
from orders.models import Order
from orders.services import order_cancel, order_mark_paid
from payments.models import Payment, Refund
from tests.helpers import run_tasks
from tests.payments.core.fake_gateway import BANK, NOTIFY_URL, notification
from tests.payments.helpers import latest_order, online_checkout, paid_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]


@pytest.mark.django_db(transaction=True)
def test_payment_after_cancellation_is_refunded_automatically(client, fakepay_placed):
    order, payment, _response = fakepay_placed
    order_cancel(order=order)

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    run_tasks()

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    assert payment.surplus and payment.status == Payment.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("100.00")
    assert payment.refunds.get().status == Refund.Status.SUCCEEDED
    assert BANK.refunds == {f"{payment.reference}-R1": Decimal("100.00")}


@pytest.mark.django_db(transaction=True)
def test_second_successful_attempt_is_refunded_not_applied_twice(client, fakepay_placed):
    order, first, _response = fakepay_placed
    second = client.post(
        f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}", {"channel": "qr"}
    )
    assert second.status_code == 302
    other = order.payments.get(channel="qr")

    client.post(NOTIFY_URL, **notification(reference=first.reference, amount="100.00"))
    client.post(NOTIFY_URL, **notification(reference=other.reference, amount="100.00"))
    run_tasks()

    assert paid_events(order) == 1
    other.refresh_from_db()
    assert other.surplus and other.amount_refunded == Decimal("100.00")
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_payment_arriving_after_staff_marked_the_order_paid_is_kept_not_refunded(client, fakepay_placed):
    order, payment, _response = fakepay_placed
    order_mark_paid(order=order, note="Seen in the gateway's dashboard")

    response = client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and not payment.surplus
    assert paid_events(order) == 1
    assert BANK.calls.count("refund") == 0


@pytest.mark.django_db(transaction=True)
def test_cancelling_an_order_paid_online_sends_the_money_back(client, variant, shipping):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")
    order = latest_order()
    payment = order.payments.get()
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    order_cancel(order=order, note="Customer changed their mind")
    run_tasks()

    order.refresh_from_db()
    payment.refresh_from_db()
    assert BANK.refunds == {f"{payment.reference}-R1": Decimal("100.00")}
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert order.display_status == Order.Status.REFUNDED
    assert Variant.objects.get().stock == 10
