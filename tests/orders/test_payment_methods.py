"""Offline payment methods as orders sees them: never an online payment, so staff refund by hand."""

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order
from orders.selectors import OrderAction, order_action_list, order_paid_online
from orders.services import order_cancel, order_mark_paid, order_refund
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

REFUND_TASK = "payments.tasks.refund_cancelled_order"


@pytest.mark.parametrize("method", ["bank_transfer", "cod"])
def test_a_paid_offline_order_never_claims_to_be_paid_online(method):
    order = order_mark_paid(order=OrderFactory(payment_method=method))

    assert order_paid_online(order=order) is False
    assert OrderAction.REFUND in order_action_list(order=order)


def test_staff_refund_a_paid_bank_transfer_by_hand():
    order = order_mark_paid(order=OrderFactory(payment_method="bank_transfer"))

    order_refund(order=order, note="Sent back by bank transfer")

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED


@pytest.mark.parametrize("method", ["bank_transfer", "cod"])
def test_cancelling_a_paid_offline_order_queues_no_gateway_refund(method):
    order = order_mark_paid(order=OrderFactory(payment_method=method))

    order_cancel(order=order)

    order.refresh_from_db()
    assert order.is_cancelled
    assert order.payment_status == Order.PaymentStatus.PAID
    assert not DBTaskResult.objects.filter(task_path=REFUND_TASK).exists()
