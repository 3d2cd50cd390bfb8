"""The shopper's orders pages.

The views live in ``checkout`` (the checkout page and its steps), ``order_page`` (an order's
page, its fapiao and the receipt confirmation) and ``payment_forms`` (what both pages' forms may
post to); import them from here.
"""

from orders.views.checkout import (
    checkout,
    checkout_address_step,
    checkout_coupon_apply,
    checkout_coupon_remove,
    checkout_language,
    checkout_shipping,
)
from orders.views.order_page import (
    order_detail,
    order_fapiao_download,
    order_fapiao_request,
    order_receipt_confirm_view,
)

__all__ = [
    "checkout",
    "checkout_address_step",
    "checkout_coupon_apply",
    "checkout_coupon_remove",
    "checkout_language",
    "checkout_shipping",
    "order_detail",
    "order_fapiao_download",
    "order_fapiao_request",
    "order_receipt_confirm_view",
]
