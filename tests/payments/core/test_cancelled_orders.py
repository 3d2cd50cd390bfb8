"""Orders announce a cancellation; payments queues the gateway refund in that same transaction."""

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order
from orders.selectors import OrderAction, order_action_list, order_paid_online
from orders.services import order_cancel
from orders.signals import order_cancelled
from tests.payments.core.fake_gateway import NOTIFY_URL, notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_gateway")]

REFUND_TASK = "payments.tasks.refund_cancelled_order"


class ReceiverFailed(Exception):
    pass


@pytest.fixture
def paid_online(client, fakepay_placed) -> Order:
    """The FakePay order, paid through a verified notification."""
    order, payment, _response = fakepay_placed
    assert (
        client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00")).status_code
        == 200
    )
    order.refresh_from_db()
    return order


def refund_tasks(order: Order) -> list[dict]:
    return [task.args_kwargs["kwargs"] for task in DBTaskResult.objects.filter(task_path=REFUND_TASK)]


def test_cancelling_an_order_paid_online_queues_its_gateway_refund_once(paid_online):
    order_cancel(order=paid_online)

    paid_online.refresh_from_db()
    assert paid_online.is_cancelled
    assert refund_tasks(paid_online) == [{"order_id": paid_online.pk}]


def test_a_cancellation_that_rolls_back_leaves_no_refund_queued(paid_online):
    queued_inside = []

    def fail_after_payments(*, order: Order, **kwargs) -> None:
        # Runs after payments' receiver, inside the cancelling transaction, then undoes it all.
        queued_inside.append(refund_tasks(order))
        raise ReceiverFailed()

    order_cancelled.connect(fail_after_payments, dispatch_uid="test.fail")
    try:
        with pytest.raises(ReceiverFailed):
            order_cancel(order=paid_online)
    finally:
        order_cancelled.disconnect(dispatch_uid="test.fail")

    paid_online.refresh_from_db()
    assert queued_inside == [[{"order_id": paid_online.pk}]]
    assert not paid_online.is_cancelled
    assert refund_tasks(paid_online) == []


def test_cancelling_an_unpaid_online_order_queues_no_refund(fakepay_placed):
    order, _payment, _response = fakepay_placed

    order_cancel(order=order)

    assert refund_tasks(order) == []


def test_an_order_paid_through_a_gateway_switched_off_since_still_refunds_through_it(paid_online, settings):
    settings.PAYMENT_GATEWAYS = ["payments.providers.alipay.AlipayProvider"]

    order_cancel(order=paid_online)

    assert paid_online.payment_provider is None
    assert order_paid_online(order=paid_online) is True
    assert OrderAction.REFUND not in order_action_list(order=paid_online)
    assert refund_tasks(paid_online) == [{"order_id": paid_online.pk}]
