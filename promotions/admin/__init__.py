"""The promotions admin: coupons (one by one or generated in bulk) and automatic promotions.

Django's admin autodiscovery imports this package; importing the modules
below registers their model admins.

- ``coupon``: the coupon list and page, the actions (deactivate, download as CSV), the URLs
  of generating codes
- ``promotion``: automatic promotions with their spend-and-save tiers
- ``views``: generating a batch of codes and the CSV downloads
- ``forms``: the coupon, batch, promotion and tier forms and their checks
- ``filters``: status (live, scheduled, used up, ended, switched off) and campaign
- ``display``: how discounts, windows, uses and statuses read in lists and forms
"""

from promotions.admin.coupon import CouponAdmin
from promotions.admin.promotion import PromotionAdmin

__all__ = ["CouponAdmin", "PromotionAdmin"]
