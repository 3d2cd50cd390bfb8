"""Background work of payments: returning money nobody should keep, calling gateways outside transactions."""

from django_tasks import task


@task()
def refund_surplus_payment(*, payment_id: int) -> str:
    """Refund a surplus payment (paid after cancellation, or paid twice) in full through its gateway."""
    # Imported here: the services enqueue this task, so they cannot be imported at module level.
    from payments.services import payment_surplus_refund

    refund = payment_surplus_refund(payment_id=payment_id)
    return refund.status if refund is not None else "nothing to refund"


@task()
def refund_cancelled_order(*, order_id: int) -> str:
    """Send back, through the gateway, what a cancelled order was paid online."""
    from payments.services import payment_refunds_for_cancelled_order

    refunds = payment_refunds_for_cancelled_order(order_id=order_id)
    return ", ".join(f"{refund.reference} {refund.status}" for refund in refunds) or "nothing to refund"
