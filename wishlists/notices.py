"""Which wishlist emails are due: a wished-for product back in stock, or cheaper than the customer knew.

``wishlist_notices_create`` runs on a schedule (``manage.py send_wishlist_notices``). Each
customer gets one email per run listing every product that changed; each change is told
once, because the item records what the customer now knows. The email is a task
(``wishlists.tasks``), enqueued in the same transaction as the notice it sends.
"""

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.categories import category_tree_get
from catalog.services import catalog_schedule_fold
from shop.models import User
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.selectors import wishlist_buy_prices
from wishlists.tasks import send_wishlist_notice

# Arbitrary, fixed: the advisory lock that lets one run at a time decide the emails.
_LOCK_KEY = 0x5749_5348


@dataclass(frozen=True)
class NoticeRun:
    """What one run did."""

    notices: int  # emails queued, one per customer
    products: int  # wished-for products told of
    busy: bool = False  # another run held the lock: this one did nothing


@contextmanager
def _one_run_at_a_time() -> Iterator[bool]:
    # A session-level lock: held across the run's many short transactions, and let go when the
    # run ends (or its connection does, if the process dies).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def wishlist_notices_create() -> NoticeRun:
    """Queue one email per customer whose wished-for products came back in stock or got cheaper.

    Only items whose customer switched emails on count, of active customers whose address is
    verified, and only products a shopper can see and buy: what is told is the lowest price
    among the options in stock now, so a sold-out option's price is never told, and a sold-out
    product that got cheaper is told when it is back. A product is cheaper when that price is
    below the lowest the customer was told of (or saw when saving); a rise is never told.
    One run at a time (an advisory lock): a second run returns at once with ``busy``. Each
    customer is decided in a short transaction of their own that locks their user row, then
    their items (the order the account's erasure and the customer's own changes use); the
    notice, its task and what the customer now knows commit together, so each change is told
    exactly once. Must not run inside a transaction.
    """
    # Sales that started or ended since the last page view count now (listed prices follow).
    catalog_schedule_fold()
    notices = products = 0
    with _one_run_at_a_time() as held:
        if not held:
            return NoticeRun(notices=0, products=0, busy=True)
        visible = list(category_tree_get().visible_ids)
        for user_id in _customers_to_check(category_ids=visible):
            told = _customer_notice_create(user_id=user_id, category_ids=visible, at=timezone.now())
            notices += bool(told)
            products += told
    return NoticeRun(notices=notices, products=products)


def _customers_to_check(*, category_ids: Collection[int]) -> list[int]:
    """Customers with an item that may be due, or whose product sold out since they were told.

    Reads the products' stored listing columns, so it is a superset: a listed price below what
    the customer knows may be a sold-out option's; ``_customer_notice_create`` decides.
    """
    may_be_due = Q(
        product__in_stock=True,
        product__is_active=True,
        product__category_id__in=category_ids,
    ) & (Q(seen_in_stock=False) | Q(product__listed_price__lt=F("seen_price")))
    sold_out_since = Q(seen_in_stock=True, product__in_stock=False)
    return list(
        WishlistItem.objects.filter(
            may_be_due | sold_out_since,
            notify=True,
            user__is_active=True,
            user__email_verified_at__isnull=False,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic(durable=True)
def _customer_notice_create(*, user_id: int, category_ids: Collection[int], at: datetime) -> int:
    """Decide one customer's email and queue it; returns how many products it tells of (0: none)."""
    user = (
        User.objects.select_for_update()
        .filter(pk=user_id, is_active=True, email_verified_at__isnull=False)
        .first()
    )
    if user is None:
        return 0
    items = list(
        WishlistItem.objects.select_for_update()
        .filter(
            user=user,
            notify=True,
            product__is_active=True,
            product__category_id__in=list(category_ids),
        )
        .order_by("-added_at", "-id")
    )
    prices = wishlist_buy_prices(product_ids=[item.product_id for item in items], at=at)
    entries, changed = [], []
    for item in items:
        buy = prices.get(item.product_id)
        if buy is None:
            if item.seen_in_stock:
                item.seen_in_stock = False
                changed.append(item)
            continue
        back = not item.seen_in_stock
        cheaper = item.seen_price is not None and buy.price < item.seen_price
        if not (back or cheaper):
            continue
        entries.append(
            {
                "product": item.product_id,
                "back_in_stock": back,
                "was_price": str(item.seen_price) if cheaper else None,
                "price": str(buy.price),
                "price_varies": buy.varies,
            }
        )
        item.seen_in_stock = True
        item.seen_price = buy.price if item.seen_price is None else min(item.seen_price, buy.price)
        changed.append(item)
    WishlistItem.objects.bulk_update(changed, ["seen_in_stock", "seen_price"])
    if entries:
        # The language the customer last used with the newest of these products.
        language = next(item.language for item in items if item.product_id == entries[0]["product"])
        notice = WishlistNotice.objects.create(user=user, language=language, entries=entries)
        send_wishlist_notice.enqueue(notice_id=notice.pk)
    return len(entries)
