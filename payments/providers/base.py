"""The interface every online gateway implements (Stripe, Alipay, WeChat Pay).

``GatewayProvider`` is a payment method of ``orders.payment_methods`` (the
interface orders and checkout use) plus what a gateway must do: create the
hosted checkout, verify and parse notifications, query a payment and send
refunds. Those gateway calls never write to the database: ``payments.services``
applies what they report, under row locks, and makes them outside every
transaction, since a slow gateway must not hold locks. Toward orders, a gateway
begins paying right after checkout, adds its "Pay with" panel to the order page
and answers whether an order was paid online; those hand over to payments'
views, selectors and models.

Each gateway is a package (``stripe``, ``alipay``, ``wechat``) that builds on
this interface and on the few helpers below that all of them use.
"""

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from orders.payment_methods import PaymentPanel, PaymentProvider, PaymentStart
from payments.browsers import Browser, browser_kind
from payments.models import Payment

if TYPE_CHECKING:
    from orders.models import Order
    from payments.models import Refund

CENTS = Decimal("0.01")


def pick_fields(values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The entries of ``values`` named in ``fields``: what a payload keeps of a gateway's object."""
    return {name: values[name] for name in fields if name in values}


def setting_or_file(name: str) -> str:
    """Setting ``name`` (a key given inline), else the text of the file named in ``name``_FILE, else "".

    Raises OSError when that file cannot be read.
    """
    inline = getattr(settings, name, "")
    if inline:
        return inline
    path = getattr(settings, f"{name}_FILE", "")
    if not path:
        return ""
    return Path(path).read_text(encoding="utf-8")


class GatewayError(Exception):
    """The gateway could not be reached or refused a request; the message says why (for logs and staff)."""


class NotificationRejected(Exception):
    """A notification that must change nothing: bad signature, stale, malformed; ``reason`` is logged."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class EventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    PENDING = "pending"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"
    REFUND_PENDING = "refund_pending"


@dataclass(frozen=True)
class GatewayEvent:
    """A verified statement of the gateway about one of our payments or refunds.

    ``reference`` is our Payment.reference; ``refund_reference`` our
    Refund.reference for refund events. ``amount`` is in major units (yuan,
    dollars) as a Decimal with two places; for refund events it is the refund's
    amount. ``event_id`` is the gateway's id of the notification ("" for the
    answer to a query). ``payload`` is stored on the order: leave secrets out.
    """

    kind: EventKind
    reference: str
    event_id: str = ""
    amount: Decimal | None = None
    currency: str = ""
    gateway_reference: str = ""
    refund_reference: str = ""
    status: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayUrls:
    """Where the gateway sends the shopper back (return_url) and its notifications (notify_url)."""

    return_url: str
    notify_url: str
    # The order page, where a payment made inside the page (WeChat's JSAPI) is shown.
    page_url: str = ""


@dataclass(frozen=True)
class GatewayCheckout:
    """What the gateway gave for a new payment: a page to redirect to or a QR code to show."""

    redirect_url: str = ""
    qr_code: str = ""
    gateway_reference: str = ""
    expires_at: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundOutcome:
    """The gateway's answer to a refund request or a refund query."""

    status: str  # one of Refund.Status: "pending", "succeeded", "failed"
    gateway_reference: str = ""
    message: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


class GatewayProvider(PaymentProvider):
    """An online gateway: redirect (or QR code) to pay, then a signed notification says paid."""

    is_offline = False
    # Currencies the gateway takes; the provider is offered only when SHOP_CURRENCY is one.
    currencies: ClassVar[frozenset[str]] = frozenset()
    # The channel for desktop browsers first, then for phones (e.g. ("page", "wap")).
    channels: ClassVar[tuple[str, ...]] = ("",)
    # Its pages cannot open inside WeChat's browser, but choosing it there is kept: the shopper
    # is shown how to open the order in the phone's browser and pay there (Alipay).
    opens_outside_wechat: ClassVar[bool] = False

    @abstractmethod
    def is_configured(self) -> bool:
        """Whether every setting the gateway needs is present."""

    def is_available(self, *, country: str, total: Decimal | None = None, user_agent: str = "") -> bool:
        # Gateways take no zero payments: an order costing nothing is paid another way.
        if total is not None and total <= 0:
            return False
        if user_agent and not self.is_offered_in(browser=browser_kind(user_agent)):
            return False
        return self.is_configured() and settings.SHOP_CURRENCY.upper() in self.currencies

    def is_offered(self, *, countries: Iterable[str], user_agent: str = "") -> bool:
        # A gateway is available in every country or in none: one check, not one per country.
        return self.is_available(country="", user_agent=user_agent)

    def is_offered_in(self, *, browser: Browser) -> bool:
        """Whether a shopper in that kind of browser may choose this gateway (to pay, or be told how)."""
        if self.channel_for(browser=browser) is not None:
            return True
        return browser is Browser.WECHAT and self.opens_outside_wechat

    def start(self, order: "Order") -> PaymentStart:
        message = gettext(
            "Not paid yet? Open your order page and choose “Pay with %(name)s”. "
            "Unpaid orders are cancelled after %(hours)d hours."
        ) % {"name": self.name, "hours": int(settings.ORDER_PAYMENT_TIMEOUT.total_seconds() // 3600)}
        return PaymentStart(message=message)

    def channel_for(self, *, browser: Browser) -> str | None:
        """The channel to pay in that kind of browser, or None when this gateway cannot be paid there."""
        return self.channels[0] if browser is Browser.DESKTOP else self.channels[-1]

    # Channels paid inside our order page (a bridge given by the browser), not on the gateway's page.
    page_channels: ClassVar[tuple[str, ...]] = ()

    def channel_usable(self, channel: str) -> bool:
        """Whether ``channel`` is one of this gateway's and configured (a channel may need more settings)."""
        return channel in self.channels

    def payer_id_get(self, *, request: HttpRequest, channel: str) -> str:
        """The shopper's id at the gateway that ``channel`` needs (WeChat's openid), or "" if unknown."""
        return ""

    def payer_authorize_url(self, *, request: HttpRequest, order: "Order", channel: str) -> str:
        """Where the gateway tells us who the shopper is, or "" when ``channel`` needs nothing of the kind."""
        return ""

    def page_payment_params(self, *, payment: "Payment") -> dict[str, str]:
        """The signed parameters the order page hands to the browser's bridge to pay ``payment``.

        Only for ``page_channels``. Raises GatewayError when they cannot be signed.
        """
        raise GatewayError(f"{self.code} pays no channel inside the page.")

    def begin(self, *, request: HttpRequest, order: "Order") -> HttpResponse:
        """Start paying right after checkout: off to the gateway's page (or our QR code page)."""
        # payments.views and payments.selectors build on this module: imported when called.
        from payments.views import payment_begin

        return payment_begin(request=request, order=order)

    def panel(self, *, request: HttpRequest, order: "Order") -> PaymentPanel:
        """The order page's "Pay with" form, the wait for the gateway's word and the payment attempts."""
        from payments.selectors import online_payment_panel_get

        return online_payment_panel_get(
            order=order,
            returned=request.GET.get("payment") == "returned",
            user_agent=request.headers.get("User-Agent", ""),
        )

    @abstractmethod
    def checkout_create(
        self, *, payment: "Payment", urls: GatewayUrls, client_ip: str, payer_id: str = ""
    ) -> GatewayCheckout:
        """Create the hosted payment for ``payment`` (its reference, amount, currency, channel, order).

        ``payer_id`` is the shopper's id at the gateway when the channel needs one (``payer_id_get``).

        Raises GatewayError when the gateway cannot be reached or refuses.
        """

    @abstractmethod
    def notification_parse(self, request: HttpRequest) -> list[GatewayEvent]:
        """Verify a notification (signature, freshness, decryption) and say what it reports.

        Raises NotificationRejected for anything not genuine. An empty list means a
        genuine notification about nothing we track (acknowledged, changes nothing).
        """

    def notification_response(self, *, accepted: bool) -> HttpResponse:
        """The answer the gateway expects: success, or a refusal it may retry."""
        return HttpResponse("ok" if accepted else "refused", status=200 if accepted else 400)

    @abstractmethod
    def payment_query(self, *, payment: "Payment") -> GatewayEvent | None:
        """Ask the gateway for the payment's state: an event (paid or failed), or None while pending.

        Raises GatewayError when the gateway cannot answer.
        """

    @abstractmethod
    def checkout_close(self, *, payment: "Payment") -> None:
        """Close an unpaid payment at the gateway so it can no longer be paid (the order was cancelled).

        Raises GatewayError when the gateway refuses (for example because it was paid meanwhile).
        """

    @abstractmethod
    def refund_create(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """Ask the gateway to send ``refund.amount`` back; ``refund.reference`` is its idempotency key.

        Raises GatewayError when the gateway cannot be reached (the refund stays pending).
        """

    @abstractmethod
    def refund_query(self, *, payment: "Payment", refund: "Refund") -> RefundOutcome:
        """The current state of a refund that was still pending."""
