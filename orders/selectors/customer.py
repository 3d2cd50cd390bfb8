"""Reads of the shopper's side: their orders, an order's page, its payment and fapiao, checkout's pre-fill."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.crypto import constant_time_compare

from orders.address_book import CheckoutBook
from orders.models import FapiaoRequest, Order, Shipment, ShipmentLine
from orders.payment_methods import PaymentPanel, PaymentStart
from shop.addresses import ADDRESS_FIELDS


def customer_first_order(*, email_canonical: str) -> bool:
    """True when no order placed with this address stands (cancelled ones do not count); one query.

    What a first-order-only coupon asks of its customer.
    """
    return not Order.objects.filter(email_canonical=email_canonical, cancelled_at__isnull=True).exists()


def order_list_for_customer(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Order]:
    """A signed-in customer's orders, newest first, lines prefetched; none for anonymous users.

    Includes guest orders placed with the account's email address once that
    address is verified (``user.email_verified_at``): the customer has shown
    they own the mailbox those orders' links were sent to.
    """
    if not user.is_authenticated:
        return Order.objects.none()
    mine = Q(user=user)
    if getattr(user, "email_verified_at", None) is not None:
        mine |= Q(user__isnull=True, email_canonical=user.email_canonical)
    return Order.objects.filter(mine).order_by("-created_at", "-id").prefetch_related("lines")


def order_get_visible(*, request: HttpRequest, number: str) -> Order:
    """The order, if the request may see it: its owner, or anyone holding its access token.

    Raises Http404 for everything else, so an order's existence is never revealed.
    """
    try:
        # The number is unique: get() needs no ordering, and the page shows
        # the shipping method's snapshot, not the method row.
        order = Order.objects.select_related("fapiao").prefetch_related("lines").get(number=number.upper())
    except Order.DoesNotExist:
        raise Http404() from None
    user = request.user
    if user.is_authenticated and order.user_id is not None and order.user_id == user.pk:
        return order
    token = request.GET.get("token", "")
    if token and constant_time_compare(token, order.access_token):
        return order
    raise Http404()


def order_shipment_list(*, order: Order) -> list[Shipment]:
    """The order's parcels, first sent first, with their carriers and contents (three queries)."""
    return list(
        order.shipments.select_related("carrier").prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
        )
    )


def payment_instructions_get(*, order: Order, online: bool = False) -> PaymentStart | None:
    """Instructions to show while a payment is still due, else None.

    Offline methods always have some; online gateways only when ``online`` is
    true (emails: the order page has its own "Pay with ..." button instead).
    """
    provider = order.payment_provider
    if provider is None or (not provider.is_offline and not online):
        return None
    if order.is_cancelled or order.payment_status != Order.PaymentStatus.UNPAID:
        return None
    return provider.start(order)


def payment_panel_get(*, request: HttpRequest, order: Order) -> PaymentPanel | None:
    """What the order's payment method adds to its page (a gateway's "Pay with" form), or None."""
    provider = order.payment_provider
    return provider.panel(request=request, order=order) if provider is not None else None


CHECKOUT_PREFILL_FIELDS = ("full_name", "phone", *ADDRESS_FIELDS)


def checkout_initial_get(
    *, user: AbstractBaseUser | AnonymousUser, book: CheckoutBook | None = None
) -> dict[str, str]:
    """Saved details to pre-fill checkout for a signed-in customer (nothing, and no query, for a guest).

    With addresses in the customer's ``book`` (address_book_for_checkout), the default one is
    chosen and the new-address fields start empty; without, they hold the address of the
    customer's last order.
    """
    if not user.is_authenticated:
        return {}
    initial: dict[str, str] = {"email": user.email}
    if book is not None and book.entries:
        initial["saved_address"] = str(book.entries[0].id)
    else:
        last = Order.objects.filter(user=user).order_by("-created_at", "-id").first()
        for name in CHECKOUT_PREFILL_FIELDS:
            value = getattr(last, name, "") if last is not None else ""
            if isinstance(value, str) and value:
                initial[name] = value
    if "full_name" not in initial and getattr(user, "full_name", ""):
        initial["full_name"] = user.full_name
    return initial


def fapiao_request_get(*, order: Order) -> FapiaoRequest | None:
    """The order's fapiao request, or None.

    No query when the order was read with it (``order_get_visible`` joins it); one otherwise.
    """
    try:
        return order.fapiao
    except FapiaoRequest.DoesNotExist:
        return None
