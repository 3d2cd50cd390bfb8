"""Reads of online payments: gateways, an order's attempts and what the order page shows."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order
from orders.payments import payment_provider_get, payment_provider_list
from payments.models import Payment
from payments.providers.base import GatewayProvider


def gateway_get(code: str) -> GatewayProvider | None:
    """The online gateway with this code, or None (unknown code or an offline method)."""
    provider = payment_provider_get(code)
    return provider if isinstance(provider, GatewayProvider) else None


def gateway_form_action_origins() -> list[str]:
    """Origins of every configured gateway's payment pages: forms may lead the browser there (CSP)."""
    origins: list[str] = []
    for provider in payment_provider_list():
        if isinstance(provider, GatewayProvider) and provider.is_configured():
            origins.extend(o for o in provider.form_action_origins() if o not in origins)
    return origins


def order_payment_list(*, order: Order) -> QuerySet[Payment]:
    """The order's online payment attempts, oldest first, with their refunds."""
    return order.payments.order_by("created_at", "id").prefetch_related("refunds")


@dataclass(frozen=True)
class OnlinePaymentState:
    """What the order page says about paying online."""

    provider: GatewayProvider
    can_pay: bool
    waiting: bool


def online_payment_state_get(*, order: Order, returned: bool) -> OnlinePaymentState | None:
    """The order's online payment state for its page, or None for offline methods.

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
    return OnlinePaymentState(
        provider=provider, can_pay=open_unpaid and provider.is_configured(), waiting=waiting
    )
