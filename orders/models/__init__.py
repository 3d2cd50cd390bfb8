"""The models of orders, one module per responsibility; import them from here.

- ``shipping``: ``ShippingMethod``, the ways to ship and what each costs, ``ShippingZone``
  and ``ShippingRate`` (a method's price per zone, by weight), and ``Carrier``, the couriers
  and their tracking pages.
- ``orders``: ``Order`` and ``OrderLine`` (what was bought, frozen at checkout), and
  the order number and guest access token generators.
- ``discounts``: ``OrderDiscount`` (a promotion or a coupon, as it was at checkout) and
  ``OrderLineDiscount`` (one line's share of it).
- ``fapiao``: ``FapiaoRequest`` (a customer's request for a fapiao, and its issue).
- ``shipments``: ``Shipment`` (a parcel: carrier, tracking number, when, by whom) and
  ``ShipmentLine`` (how many units of an order line went in it).
- ``records``: ``OrderEvent`` (the append-only history) and ``OutboundEmail`` (each
  order email and its delivery).
"""

from orders.models.discounts import OrderDiscount, OrderLineDiscount
from orders.models.fapiao import FapiaoRequest
from orders.models.orders import (
    ORDER_NUMBER_ALPHABET,
    ORDER_NUMBER_LENGTH,
    ORDER_NUMBER_PREFIX,
    Order,
    OrderLine,
    access_token_generate,
    order_number_generate,
)
from orders.models.records import OrderEvent, OutboundEmail
from orders.models.shipments import Shipment, ShipmentLine
from orders.models.shipping import Carrier, ShippingMethod, ShippingRate, ShippingZone

__all__ = [
    "ORDER_NUMBER_ALPHABET",
    "ORDER_NUMBER_LENGTH",
    "ORDER_NUMBER_PREFIX",
    "Carrier",
    "FapiaoRequest",
    "Order",
    "OrderDiscount",
    "OrderEvent",
    "OrderLine",
    "OrderLineDiscount",
    "OutboundEmail",
    "Shipment",
    "ShipmentLine",
    "ShippingMethod",
    "ShippingRate",
    "ShippingZone",
    "access_token_generate",
    "order_number_generate",
]
