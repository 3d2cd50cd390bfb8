"""Which wishlist emails are due: a wished-for product back in stock, or cheaper than the customer knew.

``wishlist_notices_create`` runs on a schedule (``manage.py send_wishlist_notices``). Each
customer gets one email per run listing every product that changed; each change is told
once, because the item records what the customer now knows. The email is a task
(``wishlists.tasks``), enqueued in the same transaction as the notice it sends.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q

from catalog.categories import category_tree_get
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.tasks import send_wishlist_notice

# Arbitrary, fixed: the advisory lock that lets one run at a time decide the emails.
_LOCK_KEY = 0x5749_5348


@dataclass(frozen=True)
class NoticeRun:
    notices: int  # emails queued, one per customer
    products: int  # wished-for products told of
    busy: bool = False  # another run held the lock: this one did nothing


@transaction.atomic(durable=True)
def wishlist_notices_create() -> NoticeRun:
    """Queue one email per customer whose wished-for products came back in stock or got cheaper.

    Only items whose customer switched emails on count, and only products a shopper can see
    and buy: a sold-out product that got cheaper is told of when it is back. A product is
    cheaper when its lowest price is below the lowest the customer was told of (or saw when
    saving). One run at a time (a transaction-level advisory lock): a second run returns at
    once with ``busy``. The items are locked while they are updated, so a customer's switch
    made meanwhile waits; the notices, the tasks and what the customers now know commit
    together, so each change is told exactly once.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return NoticeRun(notices=0, products=0, busy=True)
    # A product that sold out after being told of is told of again when it returns.
    WishlistItem.objects.filter(notify=True, seen_in_stock=True, product__in_stock=False).update(
        seen_in_stock=False
    )
    visible = list(category_tree_get().visible_ids)
    due = (
        WishlistItem.objects.select_for_update(of=("self",))
        .filter(
            notify=True,
            product__is_active=True,
            product__listed_price__isnull=False,
            product__category_id__in=visible,
            # A sold-out product waits: its news is told when it can be bought.
            product__in_stock=True,
        )
        .filter(Q(seen_in_stock=False) | Q(product__listed_price__lt=F("seen_price")))
        .select_related("product")
        .order_by("user_id", "pk")
    )
    by_user: dict[int, list[WishlistItem]] = defaultdict(list)
    for item in due:
        by_user[item.user_id].append(item)
    for user_id, items in by_user.items():
        entries = [_entry(item) for item in items]
        for item in items:
            item.seen_in_stock = True
            item.seen_price = min(item.product.listed_price, item.seen_price or item.product.listed_price)
        WishlistItem.objects.bulk_update(items, ["seen_in_stock", "seen_price"])
        # The language the customer last used on their list.
        language = max(items, key=lambda item: item.added_at).language
        notice = WishlistNotice.objects.create(user_id=user_id, language=language, entries=entries)
        send_wishlist_notice.enqueue(notice_id=notice.pk)
    return NoticeRun(notices=len(by_user), products=sum(len(items) for items in by_user.values()))


def _entry(item: WishlistItem) -> dict:
    product = item.product
    cheaper = item.seen_price is not None and product.listed_price < item.seen_price
    return {
        "product": product.pk,
        "back_in_stock": not item.seen_in_stock,
        "was_price": str(item.seen_price) if cheaper else None,
        "price": str(product.listed_price),
    }
