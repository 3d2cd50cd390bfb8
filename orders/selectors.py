"""Reads of orders, shipping and payment methods."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.utils.crypto import constant_time_compare

from orders.address_book import CheckoutBook
from orders.models import (
    Carrier,
    FapiaoRequest,
    Order,
    OrderDiscount,
    OrderLine,
    Shipment,
    ShipmentLine,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
)
from orders.payment_methods import (
    PaymentPanel,
    PaymentStart,
    online_payment_checks,
    payment_codes_shipping_unpaid,
)
from orders.shipping_rates import RateRule, ShippingRateTable, ZoneRates
from shop.addresses import ADDRESS_FIELDS


def shipping_method_list() -> QuerySet[ShippingMethod]:
    """Active shipping methods, in display order, each with ``has_rates`` (priced by zone), in one query."""
    return (
        ShippingMethod.objects.filter(is_active=True)
        .annotate(has_rates=Exists(ShippingRate.objects.filter(method=OuterRef("pk"))))
        .order_by("position", "id")
    )


_RATE_FIELDS = (
    "kind",
    "price",
    "first_weight_grams",
    "additional_unit_grams",
    "additional_unit_price",
    "free_above",
    "surcharge",
)


def shipping_rate_table_get() -> ShippingRateTable:
    """Every shipping zone in order with every method's rate in it, in one query.

    Zones without a rate are read too: an address they hold is theirs, so no rated method
    delivers to it.
    """
    rows = ShippingZone.objects.order_by("position", "id").values_list(
        "id", "name", "provinces", "countries", "rates__method_id", *(f"rates__{n}" for n in _RATE_FIELDS)
    )
    zones: dict[int, ZoneRates] = {}
    rated: set[int] = set()
    for zone_id, name, provinces, countries, method_id, *rate in rows:
        zone = zones.get(zone_id)
        if zone is None:
            zone = zones[zone_id] = ZoneRates(
                zone_id=zone_id, name=name, provinces=frozenset(provinces), countries=frozenset(countries)
            )
        if method_id is not None:
            rated.add(method_id)
            if rate[0] != ShippingRate.Kind.NOT_DELIVERED:
                zone.rates[method_id] = RateRule(**dict(zip(_RATE_FIELDS, rate, strict=True)))
    return ShippingRateTable(zones=tuple(zones.values()), rated_method_ids=frozenset(rated))


@dataclass(frozen=True)
class ShippingEstimate:
    """The cheapest shipping for a subtotal, the total with it, and how much more ships free."""

    method: ShippingMethod
    price: Decimal
    total: Decimal
    # What the cart still needs for free shipping with some method; None when it ships free
    # already or no method ever does.
    free_shipping_gap: Decimal | None = None


def shipping_estimate_get(*, subtotal: Decimal, free_shipping: bool = False) -> ShippingEstimate | None:
    """The cheapest active method for this subtotal (one query), or None when none is active.

    ``subtotal`` is what the goods come to after their discounts (free-shipping thresholds
    look at that); ``free_shipping`` (a free-shipping coupon) waives the price of any method.
    """
    # A method priced by zone has no price before the address is known: the cart leaves it out.
    methods = [method for method in shipping_method_list() if not method.has_rates]
    method = min(methods, key=lambda candidate: candidate.price_for(subtotal), default=None)
    if method is None:
        return None
    price = Decimal("0.00") if free_shipping else method.price_for(subtotal)
    gaps = [m.free_above - subtotal for m in methods if m.free_above is not None and m.free_above > subtotal]
    return ShippingEstimate(
        method=method,
        price=price,
        total=subtotal + price,
        free_shipping_gap=min(gaps) if price and gaps else None,
    )


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


# Staff side (the orders admin and its dashboard).


def order_status_filter(*, status: str) -> Q:
    """The filter for orders whose ``display_status`` is ``status``, so the database can select them.

    Mirrors ``Order.display_status`` case by case; raises ValueError for an unknown status.
    """
    refunded = Q(payment_status=Order.PaymentStatus.REFUNDED)
    open_ = ~refunded & Q(cancelled_at__isnull=True)
    paid = Q(payment_status=Order.PaymentStatus.PAID)
    ships_unpaid = Q(payment_method__in=payment_codes_shipping_unpaid())
    delivered = Q(fulfilment_status=Order.FulfilmentStatus.DELIVERED)
    unfulfilled = Q(fulfilment_status=Order.FulfilmentStatus.UNFULFILLED)
    match status:
        case Order.Status.REFUNDED:
            return refunded
        case Order.Status.CANCELLED:
            return ~refunded & Q(cancelled_at__isnull=False)
        case Order.Status.COMPLETED:
            return open_ & delivered & paid
        case Order.Status.SHIPPED:
            return open_ & Q(fulfilment_status=Order.FulfilmentStatus.SHIPPED)
        case Order.Status.PARTLY_SHIPPED:
            return open_ & Q(fulfilment_status=Order.FulfilmentStatus.PARTLY_SHIPPED)
        case Order.Status.AWAITING_SHIPMENT:
            return open_ & unfulfilled & (paid | ships_unpaid)
        case Order.Status.PENDING_PAYMENT:
            return open_ & ~paid & (delivered | (unfulfilled & ~ships_unpaid))
    raise ValueError(f"Unknown order status: {status!r}")


def order_to_ship_filter() -> Q:
    """Orders with parcels still to send: awaiting shipment, or partly shipped."""
    return order_status_filter(status=Order.Status.AWAITING_SHIPMENT) | order_status_filter(
        status=Order.Status.PARTLY_SHIPPED
    )


def order_awaiting_payment_filter() -> Q:
    """Orders whose payment staff are waiting for (the "pending payment" status)."""
    return order_status_filter(status=Order.Status.PENDING_PAYMENT)


def carrier_list() -> QuerySet[Carrier]:
    """The active carriers staff ship with, in display order."""
    return Carrier.objects.filter(is_active=True).order_by("position", "id")


def order_line_quantities_left(*, order: Order) -> dict[int, int]:
    """Units of each of the order's lines not yet in a parcel, by line id (fully shipped lines at 0).

    Exact only while the caller holds the order's row lock (``order_lock``).
    """
    shipped = dict(
        ShipmentLine.objects.filter(shipment__order=order)
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    return {
        line_id: quantity - shipped.get(line_id, 0)
        for line_id, quantity in OrderLine.objects.filter(order=order).values_list("id", "quantity")
    }


def order_lines_to_ship(*, order: Order) -> list[tuple[OrderLine, int]]:
    """The order's lines with units not yet in a parcel, each with how many (a hint: shipping re-counts)."""
    left = order_line_quantities_left(order=order)
    return [(line, left[line.pk]) for line in order.lines.all() if left.get(line.pk, 0) > 0]


class OrderAction:
    """The staff actions on an order; each one calls its service in orders.services."""

    CONFIRM = "confirm"
    MARK_PAID = "mark_paid"
    SHIP = "ship"
    MARK_DELIVERED = "mark_delivered"
    CANCEL = "cancel"
    REFUND = "refund"


def order_action_list(*, order: Order) -> list[str]:
    """The actions the order page offers for this order's state, in workflow order.

    A hint for the buttons only: each service re-checks the state under its
    row lock and raises InvalidTransition when the order has moved on.
    """
    cancelled = order.is_cancelled
    paid = order.payment_status == Order.PaymentStatus.PAID
    unpaid = order.payment_status == Order.PaymentStatus.UNPAID
    unfulfilled = order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    provider = order.payment_provider
    ships_unpaid = provider is not None and provider.ships_unpaid
    actions = []
    if not cancelled and unpaid and unfulfilled and ships_unpaid and order.confirmed_at is None:
        actions.append(OrderAction.CONFIRM)
    if not cancelled and unpaid:
        actions.append(OrderAction.MARK_PAID)
    partly_shipped = order.fulfilment_status == Order.FulfilmentStatus.PARTLY_SHIPPED
    if not cancelled and (unfulfilled or partly_shipped) and (paid or (unpaid and ships_unpaid)):
        actions.append(OrderAction.SHIP)
    if not cancelled and order.fulfilment_status == Order.FulfilmentStatus.SHIPPED:
        actions.append(OrderAction.MARK_DELIVERED)
    if not cancelled and unfulfilled:
        actions.append(OrderAction.CANCEL)
    if paid and not order_paid_online(order=order):
        # Online payments are refunded from their payment, through the gateway.
        actions.append(OrderAction.REFUND)
    return actions


def order_paid_online(*, order: Order) -> bool:
    """Whether a gateway payment paid this order (then refunds go through the gateway).

    The apps that take payments online answer from their stored payments (see
    ``orders.payment_methods.online_payment_check_register``); with none, no order was.
    """
    return any(check(order) for check in online_payment_checks())


@dataclass(frozen=True)
class DiscountReportRow:
    """What one coupon or automatic promotion did over a period (cancelled orders left out)."""

    source: str  # OrderDiscount.Source
    coupon_id: int | None
    promotion_id: int | None
    labels: list[str]  # the codes or names it had on those orders (a promotion may have been renamed)
    orders: int
    goods_discount: Decimal
    shipping_discount: Decimal
    paid_orders: int
    revenue: Decimal  # the grand totals of those orders that are paid

    @property
    def discount(self) -> Decimal:
        return self.goods_discount + self.shipping_discount

    @property
    def title(self) -> str:
        return " / ".join(OrderDiscount(source=self.source, label=label).title for label in self.labels)


def discount_report_list(*, start: datetime, end: datetime) -> list[DiscountReportRow]:
    """Per coupon and automatic promotion, the orders placed in [start, end) that got it; one query.

    Cancelled orders are left out; revenue counts the grand totals of the orders that are paid
    (refunded and unpaid ones count for nothing, as on the dashboard). A coupon or promotion
    deleted since is reported under its code or name. Most discount given first.
    """
    zero = Decimal("0.00")
    paid = Q(order__payment_status=Order.PaymentStatus.PAID)
    deleted = Q(coupon__isnull=True, promotion__isnull=True)
    rows = (
        OrderDiscount.objects.filter(
            order__created_at__gte=start, order__created_at__lt=end, order__cancelled_at__isnull=True
        )
        # Grouped by coupon or promotion; the rows of deleted ones by their code or name.
        .values("source", "coupon_id", "promotion_id", deleted_label=Case(When(deleted, then="label")))
        .annotate(
            # An order has one row per source, so counting rows counts orders.
            orders=Count("pk"),
            goods_discount=Coalesce(Sum("amount"), zero),
            shipping_discount=Coalesce(Sum("shipping_amount"), zero),
            paid_orders=Count("pk", filter=paid),
            revenue=Coalesce(Sum("order__grand_total", filter=paid), zero),
            labels=ArrayAgg("label", distinct=True, order_by="label"),
        )
        .order_by()
    )
    report = [
        DiscountReportRow(**{name: value for name, value in row.items() if name != "deleted_label"})
        for row in rows
    ]
    return sorted(report, key=lambda row: (-row.discount, row.title))


def fapiao_request_get(*, order: Order) -> FapiaoRequest | None:
    """The order's fapiao request, or None.

    No query when the order was read with it (``order_get_visible`` joins it); one otherwise.
    """
    try:
        return order.fapiao
    except FapiaoRequest.DoesNotExist:
        return None
