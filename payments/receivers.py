"""How payments reacts to what orders announces; connected in PaymentsConfig.ready()."""

from orders.models import Order
from orders.payment_methods import payment_methods_reset
from orders.selectors import order_paid_online
from payments.tasks import refund_cancelled_order


def order_cancelled_refund(*, sender: type[Order], order: Order, **kwargs) -> None:
    """A cancelled order paid online: queue its refund through the gateway, in the cancelling transaction.

    The task, not this receiver, calls the gateway: no gateway is called inside a
    transaction. Queued in it, the task exists exactly when the cancellation does.
    """
    if order.payment_status == Order.PaymentStatus.PAID and order_paid_online(order=order):
        refund_cancelled_order.enqueue(order_id=order.pk)


def gateways_setting_changed(*, setting: str, **kwargs) -> None:
    """A test changed PAYMENT_GATEWAYS: the payment methods are built again on their next use."""
    if setting == "PAYMENT_GATEWAYS":
        payment_methods_reset()
