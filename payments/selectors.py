"""Reads of online payments: gateways, an order's attempts and what the order page shows."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order
from orders.payment_methods import PaymentPanel, payment_provider_get, payment_provider_list
from payments.browsers import browser_kind
from payments.models import Payment
from payments.providers.base import GatewayError, GatewayProvider

# A page that would expire sooner than this is not offered again: a new attempt is made.
PAYMENT_REUSE_MARGIN = timedelta(minutes=2)


def gateway_get(code: str) -> GatewayProvider | None:
    """The online gateway with this code, or None (unknown code or an offline method)."""
    provider = payment_provider_get(code)
    return provider if isinstance(provider, GatewayProvider) else None


def gateway_instead_get(*, order: Order, user_agent: str) -> GatewayProvider | None:
    """Another gateway the order can be paid through in this browser, when its own cannot (or None).

    For the page shown when the order's gateway is blocked there (Alipay inside WeChat):
    a gateway the browser pays inside the page (WeChat Pay's JSAPI inside WeChat) first, else
    the first other gateway available for the order with a channel in that browser.
    """
    browser = browser_kind(user_agent)
    candidates = []
    for provider in payment_provider_list():
        channel = provider.channel_for(browser=browser) if isinstance(provider, GatewayProvider) else None
        if (
            channel is not None
            and provider.code != order.payment_method
            and provider.is_available(country=order.country, total=order.grand_total, user_agent=user_agent)
        ):
            candidates.append((channel not in provider.page_channels, provider))
    return min(candidates, key=lambda candidate: candidate[0])[1] if candidates else None


def order_get_by_number(*, number: str) -> Order | None:
    """The order with this number, or None; only for a caller that has proved access another way.

    WeChat's authorisation comes back with a signed state bound to the session that
    opened the order, not with the order's access token.
    """
    if not number:
        return None
    return Order.objects.filter(number=number.upper()).first()


def order_paid_through_gateway(order: Order) -> bool:
    """Whether a payment through a gateway paid the order (a surplus payment does not count).

    Registered with orders in PaymentsConfig.ready(): stored payments decide, not which
    gateways are configured today.
    """
    return Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED, surplus=False).exists()


def order_payment_paid_get(*, order: Order) -> Payment | None:
    """The gateway payment that paid the order (not a surplus one), or None when none did."""
    return (
        Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED, surplus=False)
        .order_by("id")
        .first()
    )


def order_payment_list(*, order: Order) -> QuerySet[Payment]:
    """The order's online payment attempts, oldest first, with their refunds."""
    return order.payments.order_by("created_at", "id").prefetch_related("refunds")


@dataclass(frozen=True)
class OnlinePaymentState:
    """What the order page says about paying online."""

    provider: GatewayProvider
    can_pay: bool
    waiting: bool
    blocked_here: bool = False


def online_payment_state_get(
    *, order: Order, returned: bool, user_agent: str = ""
) -> OnlinePaymentState | None:
    """The order's online payment state for its page, or None for offline methods.

    ``can_pay`` is false in a browser the gateway cannot be paid in (WeChat Pay inside
    WeChat without JSAPI); ``blocked_here`` then says so.

    ``waiting`` is true when the shopper came back from the gateway, no
    verified word has arrived yet and an attempt is still payable: the page
    then refreshes itself (until that attempt expires).
    """
    provider = gateway_get(order.payment_method)
    if provider is None:
        return None
    open_unpaid = not order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    waiting = (
        open_unpaid
        and returned
        and order.payments.filter(status=Payment.Status.PENDING, expires_at__gt=timezone.now()).exists()
    )
    payable = open_unpaid and provider.is_configured()
    blocked_here = bool(user_agent) and not provider.is_offered_in(browser=browser_kind(user_agent))
    return OnlinePaymentState(
        provider=provider,
        can_pay=payable and not blocked_here,
        waiting=waiting,
        blocked_here=payable and blocked_here,
    )


def page_payment_get(*, order: Order, provider: GatewayProvider) -> dict[str, str] | None:
    """The signed parameters of the open attempt the order page pays itself (WeChat's JSAPI), or None.

    One query, and only for a gateway with such channels; None as well when the gateway
    cannot sign them now (its keys are gone), so the page offers the usual button.
    """
    if not provider.page_channels:
        return None
    payment = (
        order.payments.filter(
            provider=provider.code,
            channel__in=provider.page_channels,
            status=Payment.Status.PENDING,
            # As a payment start reuses it: not a prepay that could expire while being paid.
            expires_at__gt=timezone.now() + PAYMENT_REUSE_MARGIN,
        )
        .exclude(gateway_reference="")
        .order_by("-id")
        .first()
    )
    if payment is None:
        return None
    try:
        return provider.page_payment_params(payment=payment)
    except GatewayError:
        return None


def online_payment_panel_get(*, order: Order, returned: bool, user_agent: str = "") -> PaymentPanel:
    """The order page's panel of an order paid through a gateway: its state and payment attempts.

    ``returned``: the shopper has just come back from the gateway's page; ``user_agent``: their
    browser's. ``bridge``: the signed parameters when the page itself pays an open attempt
    (WeChat's JSAPI).
    """
    online = online_payment_state_get(order=order, returned=returned, user_agent=user_agent)
    bridge = None
    # Only a browser that pays inside the page gets its bridge; any other browser opening the
    # same order gets the usual form (the QR code, H5), which starts an attempt of its own.
    if online is not None and online.can_pay and not online.waiting:
        channel = online.provider.channel_for(browser=browser_kind(user_agent))
        if channel in online.provider.page_channels:
            bridge = page_payment_get(order=order, provider=online.provider)
    return PaymentPanel(
        template_name="payments/_online_payment.html",
        context={
            "online": online,
            "payments": order_payment_list(order=order),
            "bridge": bridge,
            "returned_url": f"{order.get_access_url()}&payment=returned",
        },
        refresh=online is not None and online.waiting,
    )
