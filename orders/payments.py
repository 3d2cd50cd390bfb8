"""Payment providers: one small interface for offline methods today and gateways later.

A provider says whether it can be offered for a checkout and, once the order
exists, how payment starts: either instructions to show the shopper (bank
transfer, cash on delivery) or a URL to redirect to (a card, Alipay or WeChat
Pay gateway). A gateway then tells us the outcome through
``handle_notification``; the view receiving it calls
``orders.services.order_mark_paid`` with the verified result.
"""

import functools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shop.money import format_money

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from orders.models import Order


@dataclass(frozen=True)
class PaymentStart:
    """How payment begins: instructions to show, or a gateway URL to redirect to."""

    message: str = ""
    details: tuple[tuple[str, str], ...] = ()
    redirect_url: str = ""

    @property
    def is_redirect(self) -> bool:
        return bool(self.redirect_url)


@dataclass(frozen=True)
class PaymentNotification:
    """A gateway's verified word about an order's payment."""

    order_number: str
    amount: Decimal
    paid: bool
    reference: str = ""
    raw: Mapping[str, str] = field(default_factory=dict)


class PaymentProvider(ABC):
    """Base of every provider; subclasses set the class attributes and ``start``."""

    code: ClassVar[str]
    name: ClassVar["Promise | str"]
    description: ClassVar["Promise | str"] = ""
    # Offline: money arrives outside the web (bank, courier); staff confirm it.
    is_offline: ClassVar[bool] = True
    # The parcel may leave before payment (cash on delivery); such orders are
    # never cancelled for want of payment.
    ships_unpaid: ClassVar[bool] = False

    def is_available(self, *, country: str, total: Decimal | None = None) -> bool:
        """Whether the shopper may choose this method for a checkout."""
        return True

    @abstractmethod
    def start(self, order: "Order") -> PaymentStart:
        """What the shopper is shown or sent to once the order exists."""

    def handle_notification(
        self, *, payload: Mapping[str, str], headers: Mapping[str, str]
    ) -> PaymentNotification | None:
        """Verify and parse a gateway callback; offline providers receive none."""
        return None


class BankTransferProvider(PaymentProvider):
    code = "bank_transfer"
    name = _("Bank transfer")
    description = _("Pay by bank transfer; we ship once the money arrives.")

    def is_available(self, *, country: str, total: Decimal | None = None) -> bool:
        return bool(settings.SHOP_BANK_ACCOUNT_NUMBER)

    def start(self, order: "Order") -> PaymentStart:
        details = (
            (gettext("Account name"), settings.SHOP_BANK_ACCOUNT_NAME),
            (gettext("Bank"), settings.SHOP_BANK_NAME),
            (gettext("Account number"), settings.SHOP_BANK_ACCOUNT_NUMBER),
            (gettext("Amount"), format_money(order.grand_total)),
            (gettext("Reference"), order.number),
        )
        if settings.SHOP_BANK_SWIFT:
            details = (*details[:3], (gettext("SWIFT/BIC"), settings.SHOP_BANK_SWIFT), *details[3:])
        message = gettext(
            "Please transfer the amount below and quote your order number as the reference. "
            "Unpaid orders are cancelled after %(hours)d hours."
        ) % {"hours": int(settings.ORDER_PAYMENT_TIMEOUT.total_seconds() // 3600)}
        return PaymentStart(message=message, details=details)


class CashOnDeliveryProvider(PaymentProvider):
    code = "cod"
    name = _("Cash on delivery")
    description = _("Pay the courier when your parcel arrives.")
    ships_unpaid = True

    def is_available(self, *, country: str, total: Decimal | None = None) -> bool:
        return country in settings.SHOP_COD_COUNTRIES

    def start(self, order: "Order") -> PaymentStart:
        message = gettext("Please have %(amount)s ready to pay the courier on delivery.") % {
            "amount": format_money(order.grand_total)
        }
        return PaymentStart(message=message)


@functools.cache
def _payment_providers() -> dict[str, PaymentProvider]:
    # Gateways live in the payments app, which builds on this module: imported late.
    from payments.providers import GATEWAY_PROVIDER_CLASSES

    paths = getattr(settings, "PAYMENT_GATEWAYS", None) or GATEWAY_PROVIDER_CLASSES
    gateways = [import_string(path)() for path in paths]
    providers = (*gateways, BankTransferProvider(), CashOnDeliveryProvider())
    return {provider.code: provider for provider in providers}


@receiver(setting_changed)
def _payment_providers_reset(*, setting: str, **kwargs) -> None:
    if setting == "PAYMENT_GATEWAYS":
        _payment_providers.cache_clear()


def payment_provider_get(code: str) -> PaymentProvider | None:
    """The provider with this code, or None."""
    return _payment_providers().get(code)


def payment_provider_list() -> list[PaymentProvider]:
    """Every provider, in the order the checkout offers them (online gateways first)."""
    return list(_payment_providers().values())


def payment_codes_shipping_unpaid() -> list[str]:
    """Codes of providers whose orders may ship before payment."""
    return [code for code, provider in _payment_providers().items() if provider.ships_unpaid]
