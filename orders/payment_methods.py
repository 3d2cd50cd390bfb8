"""Payment methods: the one interface orders and checkout use, the offline methods, and their registry.

Every way to pay is a ``PaymentProvider``. It says whether checkout may offer it,
what the shopper is told once the order exists, how paying begins right after
checkout and what it adds to the order page.

Bank transfer and cash on delivery live here. The online gateways (Stripe,
Alipay, WeChat Pay) implement the same interface in the payments app, which
sits above orders: it hands its gateways to ``payment_gateways_register`` from
its ``AppConfig.ready()``, so orders never imports payments. The loader it
registers runs when the list of methods is first needed, so the gateways' SDKs
are not imported before then. Whether money for an order came through a gateway
is a fact of the payments' rows, not of today's settings: payments registers that
check with ``online_payment_check_register``.
"""

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shop.money import format_money

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from django.utils.functional import Promise

    from orders.models import Order


@dataclass(frozen=True)
class PaymentStart:
    """What the shopper is told once the order exists: a message and labelled details."""

    message: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PaymentPanel:
    """A payment method's part of the order page, shown below the payment instructions.

    The page includes ``template_name`` with its own context plus ``context``;
    ``refresh`` makes the page reload itself every few seconds (while it waits
    for a gateway's word).
    """

    template_name: str
    context: Mapping[str, Any] = field(default_factory=dict)
    refresh: bool = False


class PaymentProvider(ABC):
    """A way to pay: subclasses set the class attributes and ``start``, and override what differs."""

    code: ClassVar[str]
    name: ClassVar["Promise | str"]
    # Offline: money arrives outside the web (bank, courier); staff confirm it.
    is_offline: ClassVar[bool] = True
    # The parcel may leave before payment (cash on delivery); such orders are
    # never cancelled for want of payment.
    ships_unpaid: ClassVar[bool] = False

    def is_configured(self) -> bool:
        """Whether every setting the method needs is present."""
        return True

    def is_available(self, *, country: str, total: Decimal | None = None, user_agent: str = "") -> bool:
        """Whether the shopper may choose this method for a checkout, in the browser with ``user_agent``."""
        return True

    def is_offered(self, *, countries: Iterable[str], user_agent: str = "") -> bool:
        """Whether checkout offers this method at all: available for one of ``countries``, in that browser.

        A method whose availability does not depend on the country answers with one check
        instead of one per country (the checkout form asks on every request).
        """
        return any(self.is_available(country=country, user_agent=user_agent) for country in countries)

    @abstractmethod
    def start(self, order: "Order") -> PaymentStart:
        """What the shopper is told once the order exists."""

    def begin(self, *, request: "HttpRequest", order: "Order") -> "HttpResponse | None":
        """Right after checkout placed ``order``: the response that starts paying, or None (order page)."""
        return None

    def panel(self, *, request: "HttpRequest", order: "Order") -> PaymentPanel | None:
        """What this method adds to the order page, or None."""
        return None

    def form_action_origins(self) -> list[str]:
        """Origins of the pages this method's forms send the shopper's browser to (the CSP form-action)."""
        return []


class BankTransferProvider(PaymentProvider):
    code = "bank_transfer"
    name = _("Bank transfer")

    def is_configured(self) -> bool:
        return bool(settings.SHOP_BANK_ACCOUNT_NUMBER)

    def is_available(self, *, country: str, total: Decimal | None = None, user_agent: str = "") -> bool:
        return self.is_configured()

    def is_offered(self, *, countries: Iterable[str], user_agent: str = "") -> bool:
        return self.is_configured()

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
    ships_unpaid = True

    def is_available(self, *, country: str, total: Decimal | None = None, user_agent: str = "") -> bool:
        return country in settings.SHOP_COD_COUNTRIES

    def start(self, order: "Order") -> PaymentStart:
        message = gettext("Please have %(amount)s ready to pay the courier on delivery.") % {
            "amount": format_money(order.grand_total)
        }
        hours = settings.COD_CONFIRM_HOURS
        if order.confirmed_at is None and hours > 0 and not order.is_cancelled:
            confirm = ngettext(
                "We will confirm your order before we ship it; an order we have not confirmed "
                "within %(hours)d hour of placing it is cancelled.",
                "We will confirm your order before we ship it; an order we have not confirmed "
                "within %(hours)d hours of placing it is cancelled.",
                hours,
            ) % {"hours": hours}
            message = f"{message} {confirm}"
        return PaymentStart(message=message)


# Filled by the apps above orders in their AppConfig.ready(); see payment_gateways_register
# and online_payment_check_register.
_gateway_loaders: list[Callable[[], Iterable[PaymentProvider]]] = []
_online_payment_checks: list[Callable[["Order"], bool]] = []


def payment_gateways_register(loader: Callable[[], Iterable[PaymentProvider]]) -> None:
    """Offer the online gateways ``loader`` builds, before the offline methods; call from AppConfig.ready().

    ``loader`` runs when the methods are first needed and again after
    ``payment_methods_reset``. Registering the same loader twice changes nothing.
    """
    if loader not in _gateway_loaders:
        _gateway_loaders.append(loader)
    payment_methods_reset()


def online_payment_check_register(check: Callable[["Order"], bool]) -> None:
    """Add a check whether an order was paid online (then its money goes back through the gateway).

    Call from AppConfig.ready(). The check reads stored payments, never settings, so an
    order paid through a gateway that is switched off later still counts as paid online.
    Registering the same check twice changes nothing.
    """
    if check not in _online_payment_checks:
        _online_payment_checks.append(check)


def online_payment_checks() -> list[Callable[["Order"], bool]]:
    """The registered checks whether an order was paid online."""
    return list(_online_payment_checks)


def payment_methods_reset() -> None:
    """Forget the built methods, so the next use asks the loaders again (their settings changed)."""
    _payment_providers.cache_clear()


@functools.cache
def _payment_providers() -> dict[str, PaymentProvider]:
    gateways = [gateway for loader in _gateway_loaders for gateway in loader()]
    providers = (*gateways, BankTransferProvider(), CashOnDeliveryProvider())
    return {provider.code: provider for provider in providers}


def payment_provider_get(code: str) -> PaymentProvider | None:
    """The provider with this code, or None."""
    return _payment_providers().get(code)


def payment_provider_list() -> list[PaymentProvider]:
    """Every provider, in the order the checkout offers them (online gateways first)."""
    return list(_payment_providers().values())


def payment_codes_shipping_unpaid() -> list[str]:
    """Codes of providers whose orders may ship before payment."""
    return [code for code, provider in _payment_providers().items() if provider.ships_unpaid]


def payment_form_action_origins() -> list[str]:
    """Origins every configured method's forms may lead the browser to, each once (the CSP form-action)."""
    origins: list[str] = []
    for provider in payment_provider_list():
        if provider.is_configured():
            origins.extend(origin for origin in provider.form_action_origins() if origin not in origins)
    return origins
