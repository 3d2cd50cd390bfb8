"""The orders admin: orders read-only, changed only through orders.services.

Django's admin autodiscovery imports this package; importing the modules
below registers their model admins.

- ``order``: the order list and order page (columns, read-only fields, buttons, custom URLs);
  ``order_admin_inline_add`` lets the apps above orders add their inlines to the order page
- ``actions``: the order list's actions, each order going through its service
- ``filters``: the order list's filters
- ``inlines``: the order's line snapshots and event history
- ``shipping_method``, ``carrier``, ``outbound_email``: the shipping methods with their rates by
  zone and the zones, the carriers and their tracking addresses, and the sent emails
- ``fapiao``: the queue of requested fapiao, issued with their number and/or PDF
- ``bestsellers``: staff's bestsellers report (over catalogue products, from paid orders)
- ``views``, ``forms``: the order page's buttons (ship, transitions, packing slip, invoice) and the
  discounts report
- ``export``: the order list's CSV export
"""

from orders.admin.bestsellers import BestsellerAdmin
from orders.admin.carrier import CarrierAdmin
from orders.admin.fapiao import FapiaoRequestAdmin
from orders.admin.order import OrderAdmin
from orders.admin.outbound_email import OutboundEmailAdmin
from orders.admin.shipping_method import ShippingMethodAdmin, ShippingZoneAdmin

__all__ = [
    "BestsellerAdmin",
    "CarrierAdmin",
    "FapiaoRequestAdmin",
    "OrderAdmin",
    "OutboundEmailAdmin",
    "ShippingMethodAdmin",
    "ShippingZoneAdmin",
]
