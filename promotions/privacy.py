"""Promotions' part of a customer's data export and account erasure: how often they used limited codes.

Registered in PromotionsConfig.ready(). The counts are kept by canonical email (a guest has no
account), so they are the account's only once it has proved it reads mail at that address.
"""

from typing import Any

from django.db.models import QuerySet

from promotions.models import CouponCustomerUse
from shop.models import User
from shop.privacy import PrivacyPart


def _uses_of(user: User) -> QuerySet[CouponCustomerUse]:
    if user.email_verified_at is None or not user.email_canonical:
        return CouponCustomerUse.objects.none()
    return CouponCustomerUse.objects.filter(email_canonical=user.email_canonical)


def coupon_uses_privacy_export(user: User) -> list[dict[str, Any]]:
    """The coupon codes the customer's address has used, each with how many times."""
    return [
        {"code": use.coupon.code, "uses": use.uses}
        for use in _uses_of(user).select_related("coupon").order_by("coupon__code", "pk")
    ]


def coupon_uses_privacy_erase(user: User) -> None:
    """Delete the counts kept for the customer's address."""
    _uses_of(user).delete()


PROMOTIONS_PRIVACY_PART = PrivacyPart(
    key="coupon_uses", export=coupon_uses_privacy_export, erase=coupon_uses_privacy_erase
)
