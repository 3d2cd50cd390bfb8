"""Reads of orders, shipping and payment methods.

The reads live in ``shipping`` (the methods on offer, the zones and rates, the cart's estimate),
``customer`` (a customer's orders, the order page, checkout's pre-fill) and ``staff`` (the orders
admin and its dashboard: status filters, parcels, actions, the discounts report); import them
from here.
"""

from orders.selectors.customer import (
    CHECKOUT_PREFILL_FIELDS,
    checkout_initial_get,
    customer_first_order,
    fapiao_request_get,
    order_get_visible,
    order_list_for_customer,
    order_shipment_list,
    payment_instructions_get,
    payment_panel_get,
)
from orders.selectors.shipping import (
    ShippingEstimate,
    shipping_estimate_get,
    shipping_method_list,
    shipping_rate_table_get,
)
from orders.selectors.staff import (
    DiscountReportRow,
    OrderAction,
    carrier_list,
    discount_report_list,
    order_action_list,
    order_awaiting_payment_filter,
    order_line_quantities_left,
    order_lines_to_ship,
    order_paid_online,
    order_status_filter,
    order_to_ship_filter,
)

__all__ = [
    "CHECKOUT_PREFILL_FIELDS",
    "DiscountReportRow",
    "OrderAction",
    "ShippingEstimate",
    "carrier_list",
    "checkout_initial_get",
    "customer_first_order",
    "discount_report_list",
    "fapiao_request_get",
    "order_action_list",
    "order_awaiting_payment_filter",
    "order_get_visible",
    "order_line_quantities_left",
    "order_lines_to_ship",
    "order_list_for_customer",
    "order_paid_online",
    "order_shipment_list",
    "order_status_filter",
    "order_to_ship_filter",
    "payment_instructions_get",
    "payment_panel_get",
    "shipping_estimate_get",
    "shipping_method_list",
    "shipping_rate_table_get",
]
