"""Every write path of orders: placing one and moving it through its states.

Locking, in one place:
- Stock is taken and returned with conditional updates, one variant at a time
  in ascending id order by catalog.stock, so concurrent checkouts queue, never
  deadlock (docs/architecture.md, "Lock order").
- A state change locks its order row (SELECT ... FOR UPDATE) and re-checks the
  state under the lock; the cancel job skips rows another machine holds.
- A coupon's row comes after the variants: placing an order takes the coupon's
  use last, just before commit; cancelling an unpaid order gives it back after
  returning the stock.
- Emails are tasks enqueued in the same transaction: the queue is in
  PostgreSQL, so a task exists exactly when the change it reports does.

The write paths live in ``checkout_session`` (checkout tokens, kept input), ``placing``
(``order_place``; ``shipping_price`` prices the shipping it charges), ``shipping`` (parcels),
``receiving`` (receipt, the completion job), ``transitions`` (confirmed, paid, shipped,
delivered, refunded), ``cancelling`` (cancel, the unpaid-order job), ``fapiao`` (fapiao
requests and their issue) and ``records`` (events, log lines, emails; the apps above use
``order_lock``, ``order_event_record`` and ``order_email_enqueue`` to record their own steps
in an order's history); import them from here.
"""

from orders.services.cancelling import order_cancel, order_cancel_expired
from orders.services.checkout_session import (
    checkout_draft_pop,
    checkout_draft_save,
    checkout_token_forget,
    checkout_token_issue,
    checkout_token_issued_here,
)
from orders.services.fapiao import FapiaoData, fapiao_issue, fapiao_request_open, fapiao_request_save
from orders.services.placing import CheckoutData, order_client_ip_hash, order_place
from orders.services.receiving import order_complete_shipped, order_receipt_confirm
from orders.services.records import order_email_enqueue, order_event_record, order_lock
from orders.services.shipping import shipment_create
from orders.services.transitions import (
    order_confirm,
    order_mark_delivered,
    order_mark_paid,
    order_partial_refund_record,
    order_payment_method_change,
    order_refund,
    order_ship,
)

__all__ = [
    "CheckoutData",
    "FapiaoData",
    "checkout_draft_pop",
    "checkout_draft_save",
    "checkout_token_forget",
    "checkout_token_issue",
    "checkout_token_issued_here",
    "fapiao_issue",
    "fapiao_request_open",
    "fapiao_request_save",
    "order_cancel",
    "order_cancel_expired",
    "order_client_ip_hash",
    "order_complete_shipped",
    "order_confirm",
    "order_email_enqueue",
    "order_event_record",
    "order_lock",
    "order_mark_delivered",
    "order_mark_paid",
    "order_partial_refund_record",
    "order_payment_method_change",
    "order_place",
    "order_receipt_confirm",
    "order_refund",
    "order_ship",
    "shipment_create",
]
