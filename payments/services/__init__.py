"""Every write path of online payments: starting one, applying what a gateway reports, refunds.

The rules, in one place:
- Gateways are called outside every transaction, so a slow gateway never
  holds row locks; what they answer is then applied in a short transaction
  that locks the Payment row first and the Order row second (the same order
  everywhere, so no deadlocks).
- Only a verified notification or a server-side query changes a payment;
  the shopper's return to the shop never does.
- Each notification is stored. The same gateway event id is applied once: a
  second delivery with the same content is acknowledged as a duplicate, with
  other content it is refused as a replay. Unknown payments, other amounts or
  currencies are refused and change nothing.
- Money that arrives for an order already cancelled, or already paid by
  another attempt, is never lost: the payment is marked surplus and a task
  refunds it in full.
"""

from payments.exceptions import PaymentUnavailable, RefundNotAllowed
from payments.services.checkout import payment_start
from payments.services.notifications import EventVerdict, payment_event_apply, payment_notification_receive
from payments.services.records import payload_redact
from payments.services.refunds import (
    offline_refund_record,
    payment_refund,
    payment_refund_prepare,
    payment_refund_send,
    payment_refunds_for_cancelled_order,
    payment_surplus_refund,
)
from payments.services.sync import payments_sync

__all__ = [
    "EventVerdict",
    "PaymentUnavailable",
    "RefundNotAllowed",
    "offline_refund_record",
    "payload_redact",
    "payment_event_apply",
    "payment_notification_receive",
    "payment_refund",
    "payment_refund_prepare",
    "payment_refund_send",
    "payment_refunds_for_cancelled_order",
    "payment_start",
    "payment_surplus_refund",
    "payments_sync",
]
