"""Why a coupon does not apply: one error per reason, each with the sentence the shopper reads."""

from decimal import Decimal

from django.utils.translation import gettext as _

from shop.exceptions import ShopError
from shop.money import format_money


class CouponError(ShopError):
    """A coupon code that cannot be used for this cart or customer now."""

    def __init__(self, *, code: str) -> None:
        self.code = code
        super().__init__(f"Coupon {code!r}: {type(self).__name__}")

    @property
    def message(self) -> str:
        """What the shopper reads; each reason below says more."""
        return _("The code “%(code)s” cannot be used for this order.") % {"code": self.code}


class CouponUnknown(CouponError):
    @property
    def message(self) -> str:
        return _("We don't know the code “%(code)s”. Please check it and try again.") % {"code": self.code}


class CouponNotYetValid(CouponError):
    @property
    def message(self) -> str:
        return _("The code “%(code)s” cannot be used yet.") % {"code": self.code}


class CouponExpired(CouponError):
    @property
    def message(self) -> str:
        return _("The code “%(code)s” has expired.") % {"code": self.code}


class CouponUsedUp(CouponError):
    @property
    def message(self) -> str:
        return _("The code “%(code)s” has been used up.") % {"code": self.code}


class CouponAlreadyUsedByCustomer(CouponError):
    @property
    def message(self) -> str:
        return _("You have already used the code “%(code)s” as many times as it allows.") % {
            "code": self.code
        }


class CouponFirstOrderOnly(CouponError):
    @property
    def message(self) -> str:
        return _("The code “%(code)s” is for a first order only.") % {"code": self.code}


class CouponNotForTheseProducts(CouponError):
    @property
    def message(self) -> str:
        return _("The code “%(code)s” does not apply to anything in your cart.") % {"code": self.code}


class CouponMinimumSpendNotReached(CouponError):
    def __init__(self, *, code: str, spend_more: Decimal) -> None:
        self.spend_more = spend_more
        super().__init__(code=code)

    @property
    def message(self) -> str:
        return _("Add %(amount)s more of the items it applies to and the code “%(code)s” can be used.") % {
            "amount": format_money(self.spend_more),
            "code": self.code,
        }
