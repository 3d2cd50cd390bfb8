"""Every write to wishlists: saving and removing products, the email switch, and the guest's list at sign-in.

The emails themselves are decided in ``wishlists.notices``.
"""

from collections.abc import Collection, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Product
from shop.models import User
from wishlists.exceptions import ProductUnavailable, WishlistFull
from wishlists.models import WishlistItem
from wishlists.selectors import wishlist_buy_prices, wishlist_product_visible
from wishlists.session import (
    wishlist_session_clear,
    wishlist_session_ids,
    wishlist_session_set,
)


def _user_locked(user: AbstractBaseUser) -> None:
    # A customer's wishlist writes queue on their user row (as the account's erasure does, before
    # it deletes their items): two tabs cannot pass the limit together, and the notices job takes
    # the same row before the items, so nothing waits in the other order.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def _item_new(*, user: AbstractBaseUser, product: Product, language: str) -> WishlistItem:
    """An unsaved item of ``product``, knowing the product as it is now (what its emails compare with)."""
    buy = wishlist_buy_prices(product_ids=[product.pk], at=timezone.now()).get(product.pk)
    return WishlistItem(
        user=user,
        product=product,
        added_price=product.listed_price,
        language=language,
        # Sold out, the customer still saw the listed price: a lower one is news when it is back.
        seen_price=buy.price if buy is not None else product.listed_price,
        seen_in_stock=buy is not None,
    )


@transaction.atomic(durable=True)
def wishlist_item_add(
    *, user: AbstractBaseUser, product_id: int, category_ids: Collection[int], language: str
) -> tuple[Product, bool]:
    """Save a product on a customer's wishlist; returns it and False when it was saved already (idempotent).

    Locks the customer's user row. Raises ``ProductUnavailable`` for a product a shopper may not
    see and ``WishlistFull`` at WISHLIST_MAX_ITEMS products; nothing is written then.
    """
    product = wishlist_product_visible(product_id=product_id, category_ids=category_ids)
    if product is None:
        raise ProductUnavailable()
    _user_locked(user)
    items = WishlistItem.objects.filter(user=user)
    if items.count() >= settings.WISHLIST_MAX_ITEMS and not items.filter(product=product).exists():
        raise WishlistFull()
    try:
        with transaction.atomic():
            _item_new(user=user, product=product, language=language).save(force_insert=True)
    except IntegrityError:
        return product, False
    return product, True


def wishlist_guest_add(
    *, session: MutableMapping[str, Any], product_id: int, category_ids: Collection[int]
) -> tuple[Product, bool]:
    """Save a product on a guest's wishlist (the session); returns it and False when it was saved already.

    A full list first lets go of the products deleted since they were saved (the guest cannot see
    them to remove them). Raises ``ProductUnavailable`` or ``WishlistFull`` like ``wishlist_item_add``.
    """
    product = wishlist_product_visible(product_id=product_id, category_ids=category_ids)
    if product is None:
        raise ProductUnavailable()
    ids = wishlist_session_ids(session=session)
    if product_id in ids:
        return product, False
    if len(ids) >= settings.WISHLIST_MAX_ITEMS:
        existing = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
        ids = [pk for pk in ids if pk in existing]
        if len(ids) >= settings.WISHLIST_MAX_ITEMS:
            raise WishlistFull()
    wishlist_session_set(session=session, product_ids=[product_id, *ids])
    return product, True


@transaction.atomic(durable=True)
def wishlist_item_remove(*, user: AbstractBaseUser, product_id: int) -> bool:
    """Take a product off a customer's wishlist; False when it was not there. Locks the user row."""
    _user_locked(user)
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)


@transaction.atomic(durable=True)
def wishlist_item_notify_set(*, user: AbstractBaseUser, product_id: int, notify: bool, language: str) -> bool:
    """Switch the emails about one saved product on or off; False when the product is not on the list.

    Locks the user row, then the item. Switching on starts from the product as it is now: only
    later changes are told. An email already queued is not sent once its products' emails are off.
    """
    _user_locked(user)
    item = WishlistItem.objects.select_for_update().filter(user=user, product_id=product_id).first()
    if item is None:
        return False
    if notify and not item.notify:
        fresh = _item_new(user=user, product=item.product, language=language)
        item.seen_price, item.seen_in_stock = fresh.seen_price, fresh.seen_in_stock
    item.notify = notify
    item.language = language
    item.save(update_fields=["notify", "language", "seen_price", "seen_in_stock"])
    return True


@transaction.atomic(durable=True)
def wishlist_notify_stop(*, user: AbstractBaseUser) -> int:
    """Switch off every wishlist email of a customer (the emails' stop link); returns how many were on.

    Locks the user row. Emails already queued are not sent (the task checks the switch).
    """
    _user_locked(user)
    return WishlistItem.objects.filter(user=user, notify=True).update(notify=False)


@dataclass(frozen=True)
class MergeResult:
    added: int  # products from the guest's list now on the customer's
    left_out: int  # visible products the full list had no room for


# Not durable: it runs from the sign-in signal, inside whatever transaction signs the user in.
@transaction.atomic
def wishlist_session_merge(
    *, user: AbstractBaseUser, session: MutableMapping[str, Any], category_ids: Collection[int], language: str
) -> MergeResult:
    """Join a guest's wishlist to the account they signed in to, then empty the session's list.

    Products saved already stay as they were; products a shopper may not see are dropped, and
    so are those past WISHLIST_MAX_ITEMS (counted in ``left_out``, the latest saved kept first).
    Locks the customer's user row.
    """
    ids = wishlist_session_ids(session=session)
    if not ids:
        return MergeResult(added=0, left_out=0)
    _user_locked(user)
    kept = set(WishlistItem.objects.filter(user=user).values_list("product_id", flat=True))
    products = {
        product.pk: product
        for product in Product.objects.filter(
            pk__in=[pk for pk in ids if pk not in kept],
            is_active=True,
            category_id__in=list(category_ids),
            listed_price__isnull=False,
        )
    }
    visible = [pk for pk in ids if pk in products]
    room = max(0, settings.WISHLIST_MAX_ITEMS - len(kept))
    new = visible[:room]
    # Oldest first, so the list keeps the guest's order (latest on top).
    WishlistItem.objects.bulk_create(
        [_item_new(user=user, product=products[pk], language=language) for pk in reversed(new)]
    )
    wishlist_session_clear(session=session)
    return MergeResult(added=len(new), left_out=len(visible) - len(new))
