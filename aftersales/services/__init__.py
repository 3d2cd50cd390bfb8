"""Every write path of after-sales; import them from here.

- ``requests``: what the shopper does (ask, send the goods back, withdraw).
- ``steps``: what staff do (approve, reject, receive and restock, send an exchange, close).
- ``refunds``: the refund amount and the refund itself, through the payments services.
- ``tickets``: a support ticket about a request, opened by staff.

Every step locks the order row, then the request row, and re-checks the state under
them (docs/architecture.md, "Lock order"); a refund through a gateway locks the payment
row before both.
"""

from aftersales.services.refunds import RefundQuote, after_sales_refund, refund_quote, refund_settled_receive
from aftersales.services.requests import (
    after_sales_request_create,
    after_sales_return_parcel,
    after_sales_withdraw,
)
from aftersales.services.steps import (
    after_sales_approve,
    after_sales_close,
    after_sales_exchange_send,
    after_sales_receive,
    after_sales_reject,
)
from aftersales.services.tickets import after_sales_ticket_open

__all__ = [
    "RefundQuote",
    "after_sales_approve",
    "after_sales_close",
    "after_sales_exchange_send",
    "after_sales_receive",
    "after_sales_refund",
    "after_sales_reject",
    "after_sales_request_create",
    "after_sales_return_parcel",
    "after_sales_ticket_open",
    "after_sales_withdraw",
    "refund_quote",
    "refund_settled_receive",
]
