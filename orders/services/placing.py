"""Placing an order: the checkout's idempotency token and the one transaction that takes the stock."""

import operator
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cart.exceptions import CartEmpty, OutOfStock, PerOrderMaxExceeded
from cart.selectors import Cart
from catalog.exceptions import InsufficientStock
from catalog.models import Variant
from catalog.stock import stock_take
from orders.address_book import BOOK_FIELDS, address_book_get
from orders.exceptions import ShippingPriceChanged, ShippingUnavailable, TooManyOrders
from orders.models import (
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    OrderLineDiscount,
    OutboundEmail,
    ShippingMethod,
    access_token_generate,
    order_number_generate,
)
from orders.services.fapiao import FapiaoData, fapiao_request_record
from orders.services.records import order_emails_enqueue, order_event_log
from orders.services.shipping_price import _shipping_price
from promotions.exceptions import CouponError, CouponFirstOrderOnly
from promotions.models import Coupon
from promotions.pricing import Pricing, PricingLine, pricing_compute
from promotions.selectors import coupon_get_usable, coupon_rule, promotion_rules_live
from promotions.services import coupon_use_take
from shop.identity import email_canonical
from shop.money import line_total
from shop.ratelimit import rate_limit_key_hash

ORDER_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class CheckoutData:
    """The shopper's validated checkout details (built by CheckoutForm)."""

    email: str
    full_name: str
    phone: str
    country: str
    province: str
    city: str
    postal_code: str
    address_line1: str
    address_line2: str
    note: str
    shipping_method: ShippingMethod
    payment_method: str
    # Mainland China: the district and the three division codes, as checked by the address form.
    district: str = ""
    province_code: str = ""
    city_code: str = ""
    district_code: str = ""
    user: AbstractBaseUser | None = None
    language: str = settings.LANGUAGE_CODE
    # shop.ratelimit's keyed hash of the client's IP (order_client_ip_hash); blank: not counted per IP.
    client_ip_hash: str = ""
    # The coupon code applied in the cart (canonical); blank: none.
    coupon_code: str = ""
    # The fapiao asked for with the order; None: none (and no query spent on it).
    fapiao: FapiaoData | None = None
    # Add the address to the signed-in customer's address book with the order (orders.address_book).
    address_save: bool = False
    # What the page showed shipping would cost with the chosen method (after a free-shipping
    # coupon); None: not known, nothing compared.
    shipping_total_seen: Decimal | None = None

    def as_order_fields(self) -> dict:
        # The coupon is recorded as the order's discounts and the fapiao as its own row,
        # not as fields of the order.
        values = {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name not in ("coupon_code", "fapiao", "address_save", "shipping_total_seen")
        }
        values["shipping_method_name"] = self.shipping_method.name
        values["user"] = self.user if self.user is not None and self.user.is_authenticated else None
        return values


ORDER_LIMIT_WINDOW = timedelta(hours=1)


def order_client_ip_hash(*, ip_address: str) -> str:
    """The keyed hash an order stores of the IP it was placed from, to count a client's orders."""
    return rate_limit_key_hash(scope="orders:ip", key=ip_address or "unknown")


def _order_limits_check(*, checkout: CheckoutData) -> None:
    """Raise TooManyOrders when the client's IP or the address placed their hour's orders already.

    One count over the orders table itself (its (client_ip_hash, created_at) and
    (email_canonical, created_at) indexes), so checkout writes no rate-limit rows. Not
    serialised: concurrent submits from one client may each pass, so a client can go over
    by at most as many orders as it has in flight at once.
    """
    since = timezone.now() - ORDER_LIMIT_WINDOW
    limits = []  # (name, this client's or address's recent orders, limit)
    if checkout.client_ip_hash and settings.ORDER_LIMIT_PER_IP_PER_HOUR > 0:
        recent = Q(client_ip_hash=checkout.client_ip_hash, created_at__gt=since)
        limits.append(("ip", recent, settings.ORDER_LIMIT_PER_IP_PER_HOUR))
    if settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR > 0:
        recent = Q(email_canonical=email_canonical(checkout.email), created_at__gt=since)
        limits.append(("email", recent, settings.ORDER_LIMIT_PER_EMAIL_PER_HOUR))
    if not limits:
        return
    counts = Order.objects.filter(
        reduce(operator.or_, (recent for _name, recent, _limit in limits))
    ).aggregate(**{name: Count("pk", filter=recent) for name, recent, _limit in limits})
    if any(counts[name] >= limit for name, _recent, limit in limits):
        raise TooManyOrders()


def _per_order_max_check(*, variants: dict[int, Variant], quantities: dict[int, int]) -> None:
    """Raise PerOrderMaxExceeded for the first product (by id) the cart holds more of than one order may.

    Read from the variants the stock take returned, so a maximum staff lowered
    after the shopper filled the cart still applies, at no extra query.
    """
    per_product: dict[int, int] = defaultdict(int)
    for variant_id, quantity in quantities.items():
        per_product[variants[variant_id].product_id] += quantity
    products = {variant.product_id: variant.product for variant in variants.values()}
    for product_id in sorted(per_product):
        maximum = products[product_id].order_quantity_max
        if maximum is not None and per_product[product_id] > maximum:
            raise PerOrderMaxExceeded(
                product_id=product_id,
                name=products[product_id].name,
                maximum=maximum,
                in_cart=per_product[product_id],
            )


def _out_of_stock(*, short: InsufficientStock, cart: Cart) -> OutOfStock:
    """The shopper-facing error for a variant the catalogue could not give: what is left, of what."""
    line = cart.line_for(short.variant_id)
    return OutOfStock(
        variant_id=short.variant_id,
        available=short.available,
        name=str(line.variant) if line else "",
        in_cart=line.quantity if line else 0,
    )


def order_place(*, cart: Cart, checkout: CheckoutData, token: uuid.UUID) -> Order:
    """Turn the cart into an order and take the stock, in one transaction.

    Idempotent per checkout token: a repeated or concurrent call returns the
    first order. Takes stock with conditional updates in ascending variant id
    order. Raises CartEmpty, OutOfStock (naming the variant and how many are
    left), PerOrderMaxExceeded (more of a product than its maximum per order,
    read under the stock locks), TooManyOrders (the client's IP or the email address placed
    ORDER_LIMIT_PER_IP_PER_HOUR / ORDER_LIMIT_PER_EMAIL_PER_HOUR orders in the
    last hour) or a promotions CouponError for ``checkout.coupon_code`` (unknown,
    expired, used up, already used by this customer, for a first order only, not
    for these products, minimum spend not reached) or ShippingUnavailable (the method is
    priced by zone and does not deliver to the address; its price is computed here from the
    locked variants' weights and snapshotted); on any of them, nothing is
    written, and the shopper may place the order again without the code. Applies
    the live automatic promotions and the coupon (promotions.pricing) and snapshots
    every discount and each line's share of it; takes one use of the coupon with a
    conditional update, exact under concurrency. Stores ``checkout.fapiao``, if any, as the
    order's fapiao request with its event. With ``checkout.address_save``, adds the address to
    the customer's address book (locking their user row; skipped when the book is full).
    Enqueues the confirmation email and
    the staff notice in the same transaction. The returned order's
    ``placed_now`` is True only for the call that created it (so only that
    request empties the cart). Must not run inside a transaction.
    """
    for _attempt in range(ORDER_NUMBER_ATTEMPTS):
        number = order_number_generate()
        try:
            if cart.is_empty:
                raise CartEmpty()
            return _order_place_once(cart=cart, checkout=checkout, token=token, number=number)
        except (
            CartEmpty,
            OutOfStock,
            PerOrderMaxExceeded,
            TooManyOrders,
            CouponError,
            ShippingUnavailable,
            ShippingPriceChanged,
            IntegrityError,
        ) as error:
            # Everything was rolled back. The token's order may exist: a repeated
            # submit (its cart now empty or short, its own order now counted
            # against the hourly limit or its coupon's last use taken by that order),
            # or a concurrent one that committed first, whose token made our insert fail.
            if (existing := Order.objects.filter(checkout_token=token).first()) is not None:
                return existing
            if not isinstance(error, IntegrityError) or not Order.objects.filter(number=number).exists():
                raise
            # The random order number collided with another order's: try another.
    raise IntegrityError("Could not allocate a unique order number.")


@transaction.atomic(durable=True)
def _order_place_once(*, cart: Cart, checkout: CheckoutData, token: uuid.UUID, number: str) -> Order:
    """order_place's one transaction; an IntegrityError rolls it back whole, stock included."""
    _order_limits_check(checkout=checkout)
    quantities = {line.variant_id: line.quantity for line in cart.lines}
    # The stock first: catalog takes it in ascending variant id order, so
    # concurrent checkouts queue instead of deadlocking. The variants come
    # back locked by those updates, for the snapshot.
    try:
        variants = stock_take(quantities=quantities)
    except InsufficientStock as short:
        raise _out_of_stock(short=short, cart=cart) from short  # rolls back everything
    _per_order_max_check(variants=variants, quantities=quantities)  # rolls back everything
    # Priced from the locked rows, as at this moment: a sale that started or ended since the
    # shopper saw the cart counts as it is now.
    moment = timezone.now()
    lines = []
    for variant_id in sorted(quantities):
        variant = variants[variant_id]
        unit_price = variant.price_at(moment)
        lines.append(
            OrderLine(
                variant=variant,
                product_name=variant.product.name,
                sku=variant.sku,
                options_label=variant.options_label,
                unit_price=unit_price,
                regular_unit_price=variant.regular_price if variant.is_on_sale_at(moment) else None,
                quantity=quantities[variant_id],
                line_total=line_total(unit_price, quantities[variant_id]),
                return_exemption=variant.product.return_exemption,
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))

    # The discounts, on the lines as just snapshotted, at the same moment as the prices for
    # every time window: a sale, promotion or coupon applies to the whole order or not at all.
    canonical = email_canonical(checkout.email)
    coupon = _coupon_usable(checkout=checkout, email_canonical=canonical, moment=moment)
    pricing = pricing_compute(
        lines=[
            PricingLine(
                key=line.variant_id,
                product_id=line.variant.product_id,
                category_id=line.variant.product.category_id,
                line_total=line.line_total,
            )
            for line in lines
        ],
        promotions=promotion_rules_live(moment=moment),
        coupon=coupon_rule(coupon) if coupon is not None else None,
    )  # raises CouponNotForTheseProducts or CouponMinimumSpendNotReached: rolls back everything
    for line in lines:
        line.discount_total = pricing.line_discount(line.variant_id)
    discount_total = pricing.discount_total
    # Shipping thresholds ("free above") look at the goods after discounts.
    shipping_total = _shipping_price(
        checkout=checkout, variants=variants, quantities=quantities, goods_total=pricing.goods_total
    )  # raises ShippingUnavailable: rolls back everything
    shipping_discount = pricing.shipping_discount(shipping_total)
    seen = checkout.shipping_total_seen
    if seen is not None and shipping_total - shipping_discount != seen:
        # A code typed with the order took the goods under a free-shipping threshold, or a rate
        # changed since the page was shown: the shopper sees the new price first.
        raise ShippingPriceChanged(seen=seen, now=shipping_total - shipping_discount)  # rolls back

    # The order row, totals included, comes after the stock: a concurrent submit
    # of the same token waits here for the first to commit, then fails on the
    # unique token and rolls back whole (order_place then returns the first).
    order = Order.objects.create(
        number=number,
        checkout_token=token,
        access_token=access_token_generate(),
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        shipping_discount=shipping_discount,
        grand_total=subtotal - discount_total + shipping_total - shipping_discount,
        **checkout.as_order_fields(),
    )
    order.placed_now = True
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    _order_discounts_snapshot(order=order, lines=lines, pricing=pricing, shipping_discount=shipping_discount)

    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        to_state=order.display_status,
        actor=order.user,
        note=", ".join(f"{line.sku} x{line.quantity}" for line in lines),
    )
    order_event_log(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        from_state="",
        to_state=order.display_status,
        actor_id=order.user_id,
    )
    if checkout.fapiao is not None:
        fapiao_request_record(order=order, fapiao=checkout.fapiao, actor=order.user)
    if checkout.address_save and order.user is not None and (book := address_book_get()) is not None:
        # In this transaction, after the order row: a repeated submit rolls back on the unique
        # token before it gets here, so the address is saved once. A full book is left as it is.
        address = {name: getattr(order, name) for name in BOOK_FIELDS if name != "recipient_name"}
        book.save(order.user, {**address, "recipient_name": order.full_name})
    order_emails_enqueue(
        order=order, kinds=[OutboundEmail.Kind.CONFIRMATION, OutboundEmail.Kind.STAFF_NEW_ORDER]
    )
    if coupon is not None:
        # Last, so the coupon's row stays locked only until this commits: checkouts with
        # the same code queue on it for no longer than that. Used up meanwhile (or by this
        # customer): CouponUsedUp or CouponAlreadyUsedByCustomer rolls back everything.
        coupon_use_take(coupon=coupon, email_canonical=canonical, moment=moment)
    return order


def _coupon_usable(*, checkout: CheckoutData, email_canonical: str, moment) -> Coupon | None:
    """The checkout's coupon when this customer may use it now, None without a code; raises CouponError.

    A first order is one with no earlier order by this address, or by the signed-in account
    whatever address it typed, that was not cancelled (not serialised: two first orders
    placed at the same moment may both count as first).
    """
    if not checkout.coupon_code:
        return None
    coupon = coupon_get_usable(code=checkout.coupon_code, email_canonical=email_canonical, moment=moment)
    user = checkout.user if checkout.user is not None and checkout.user.is_authenticated else None
    account_email = getattr(user, "email_canonical", "") if user is not None else ""
    if account_email and account_email != email_canonical and coupon.uses_per_customer is not None:
        # Signed in but typing another address: the account's own uses count too.
        coupon_get_usable(code=checkout.coupon_code, email_canonical=account_email, moment=moment)
    # Asked only of a coupon for first orders, so every other coupon checkout saves the query.
    if coupon.first_order_only:
        earlier = Q(email_canonical=email_canonical) | (Q(user=user) if user is not None else Q(pk__in=[]))
        if Order.objects.filter(earlier, cancelled_at__isnull=True).exists():
            raise CouponFirstOrderOnly(code=coupon.code)
    return coupon


def _order_discounts_snapshot(
    *, order: Order, lines: list[OrderLine], pricing: Pricing, shipping_discount: Decimal
) -> None:
    """Store each discount the order got and each line's share of it (two inserts at most).

    The coupon always gets its row, even when it took nothing off (free shipping on an order
    that ships free anyway): the row stands for the use it takes, which a cancellation gives back.
    """
    discounts: list[tuple[OrderDiscount, Mapping[int, Decimal]]] = []
    for applied in pricing.discounts:
        is_coupon = applied.source == OrderDiscount.Source.COUPON
        row = OrderDiscount(
            order=order,
            source=applied.source,
            promotion_id=None if is_coupon else applied.source_id,
            coupon_id=applied.source_id if is_coupon else None,
            label=applied.label,
            amount=applied.amount,
            shipping_amount=shipping_discount if is_coupon else Decimal("0.00"),
        )
        discounts.append((row, applied.shares))
    if pricing.coupon is not None and not any(row.coupon_id is not None for row, _shares in discounts):
        row = OrderDiscount(
            order=order,
            source=OrderDiscount.Source.COUPON,
            coupon_id=pricing.coupon.id,
            label=pricing.coupon.code,
            shipping_amount=shipping_discount,
        )
        discounts.append((row, {}))
    if not discounts:
        return
    OrderDiscount.objects.bulk_create([row for row, _shares in discounts])
    by_variant = {line.variant_id: line for line in lines}  # the pricing's line keys
    shares = [
        OrderLineDiscount(order_discount=row, line=by_variant[key], amount=amount)
        for row, row_shares in discounts
        for key, amount in row_shares.items()
        if amount > 0
    ]
    if shares:
        OrderLineDiscount.objects.bulk_create(shares)
