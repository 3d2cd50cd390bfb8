"""Every write to wishlists: saving and removing products, the email switch, and the guest's list at sign-in.

The emails themselves are decided in ``wishlists.notices``.
"""

from collections.abc import Collection, MutableMapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from catalog.models import Product
from shop.models import User
from wishlists.exceptions import ProductUnavailable, WishlistFull
from wishlists.models import WishlistItem
from wishlists.selectors import wishlist_product_visible
from wishlists.session import (
    WISHLIST_MAX_ITEMS,
    wishlist_session_add,
    wishlist_session_clear,
    wishlist_session_ids,
)


def _user_locked(user: AbstractBaseUser) -> None:
    # Saves of one customer queue on their user row, so two tabs cannot pass the limit together.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


@transaction.atomic(durable=True)
def wishlist_item_add(
    *, user: AbstractBaseUser, product_id: int, category_ids: Collection[int], language: str
) -> tuple[Product, bool]:
    """Save a product on a customer's wishlist; returns it and False when it was saved already (idempotent).

    Locks the customer's user row. Raises ``ProductUnavailable`` for a product a shopper
    may not see and ``WishlistFull`` at WISHLIST_MAX_ITEMS products; nothing is written then.
    """
    product = wishlist_product_visible(product_id=product_id, category_ids=category_ids)
    if product is None:
        raise ProductUnavailable()
    _user_locked(user)
    items = WishlistItem.objects.filter(user=user)
    if items.filter(product=product).exists():
        return product, False
    if items.count() >= WISHLIST_MAX_ITEMS:
        raise WishlistFull()
    WishlistItem.objects.create(
        user=user,
        product=product,
        added_price=product.listed_price,
        language=language,
        seen_price=product.listed_price,
        seen_in_stock=product.in_stock,
    )
    return product, True


def wishlist_guest_add(
    *, session: MutableMapping[str, Any], product_id: int, category_ids: Collection[int]
) -> tuple[Product, bool]:
    """Save a product on a guest's wishlist (the session); returns it and False when it was saved already.

    Raises ``ProductUnavailable`` or ``WishlistFull`` like ``wishlist_item_add``.
    """
    product = wishlist_product_visible(product_id=product_id, category_ids=category_ids)
    if product is None:
        raise ProductUnavailable()
    if product_id in wishlist_session_ids(session=session):
        return product, False
    if not wishlist_session_add(session=session, product_id=product_id):
        raise WishlistFull()
    return product, True


def wishlist_item_remove(*, user: AbstractBaseUser, product_id: int) -> bool:
    """Take a product off a customer's wishlist; False when it was not there."""
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)


@transaction.atomic(durable=True)
def wishlist_item_notify_set(*, user: AbstractBaseUser, product_id: int, notify: bool, language: str) -> bool:
    """Switch the emails about one saved product on or off; False when the product is not on the list.

    Switching on starts from the product as it is now: only later changes are told.
    """
    item = WishlistItem.objects.select_for_update().filter(user=user, product_id=product_id).first()
    if item is None:
        return False
    if notify and not item.notify:
        product = Product.objects.only("listed_price", "in_stock").get(pk=product_id)
        item.seen_price, item.seen_in_stock = product.listed_price, product.in_stock
    item.notify = notify
    item.language = language
    item.save(update_fields=["notify", "language", "seen_price", "seen_in_stock"])
    return True


def wishlist_notify_stop(*, user: AbstractBaseUser) -> int:
    """Switch off every wishlist email of a customer (the emails' unsubscribe link); returns how many."""
    return WishlistItem.objects.filter(user=user, notify=True).update(notify=False)


# Not durable: it runs from the sign-in signal, inside whatever transaction signs the user in.
@transaction.atomic
def wishlist_session_merge(
    *, user: AbstractBaseUser, session: MutableMapping[str, Any], language: str
) -> int:
    """Join a guest's wishlist to the account they signed in to, then empty the session's list.

    Products saved already stay as they were; withdrawn products and those past the limit are
    dropped. Locks the customer's user row. Returns how many products were added.
    """
    ids = wishlist_session_ids(session=session)
    if not ids:
        return 0
    _user_locked(user)
    kept = set(WishlistItem.objects.filter(user=user).values_list("product_id", flat=True))
    room = max(0, WISHLIST_MAX_ITEMS - len(kept))
    products = {
        product.pk: product
        for product in Product.objects.filter(
            pk__in=[pk for pk in ids if pk not in kept], is_active=True, listed_price__isnull=False
        ).only("listed_price", "in_stock")
    }
    new = [pk for pk in ids if pk in products][:room]
    # Oldest first, so the list keeps the guest's order (latest on top).
    WishlistItem.objects.bulk_create(
        [
            WishlistItem(
                user=user,
                product_id=pk,
                added_price=products[pk].listed_price,
                language=language,
                seen_price=products[pk].listed_price,
                seen_in_stock=products[pk].in_stock,
            )
            for pk in reversed(new)
        ],
        ignore_conflicts=True,
    )
    wishlist_session_clear(session=session)
    return len(new)
