"""Reads of wishlists: which products a shopper keeps, and whether a product may be saved."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from catalog.cache import product_cards_get
from catalog.models import Product
from wishlists.models import WishlistItem
from wishlists.session import wishlist_session_ids


def wishlist_product_visible(*, product_id: int, category_ids: Collection[int]) -> Product | None:
    """The product if a shopper may see it (active, in a visible category, with a variant for sale)."""
    return Product.objects.filter(
        pk=product_id, is_active=True, category_id__in=list(category_ids), listed_price__isnull=False
    ).first()


def wishlist_item_list(
    *, user: AbstractBaseUser | AnonymousUser, session: Mapping[str, Any]
) -> list[WishlistItem]:
    """The shopper's wishlist, latest first: a customer's rows, or a guest's session as unsaved rows.

    One query for a customer; none for a guest (the page reads the products' cards itself).
    """
    if user.is_authenticated:
        return list(WishlistItem.objects.filter(user=user).order_by("-added_at", "-id"))
    return [WishlistItem(product_id=pk) for pk in wishlist_session_ids(session=session)]


def wishlist_product_names(*, product_ids: Collection[int]) -> dict[int, str]:
    """The names of products, by id, for the ones a wishlist keeps but the shop no longer shows."""
    if not product_ids:
        return {}
    return dict(Product.objects.filter(pk__in=list(product_ids)).values_list("pk", "name"))


@dataclass(frozen=True)
class WishlistEntry:
    """One saved product as the wishlist page shows it: its card, or its name once the shop hides it."""

    product_id: int
    card: dict | None  # catalog.cache's product card; None when the product is no longer shown
    name: str
    notify: bool
    added_price: Decimal | None

    @property
    def cheaper_than_added(self) -> bool:
        return (
            self.card is not None
            and self.added_price is not None
            and self.card["from_price"] < self.added_price
        )


def wishlist_entry_list(*, request: HttpRequest) -> list[WishlistEntry]:
    """The shopper's wishlist as the page shows it, latest first.

    The cards come from the catalogue's card cache (one query for those it misses); the names
    of products no longer shown cost one more query, and only when there are some.
    """
    items = wishlist_item_list(user=request.user, session=request.session)
    cards = {
        card["id"]: card
        for card in product_cards_get(request=request, product_ids=[i.product_id for i in items])
    }
    names = wishlist_product_names(product_ids=[i.product_id for i in items if i.product_id not in cards])
    return [
        WishlistEntry(
            product_id=item.product_id,
            card=cards.get(item.product_id),
            name=cards[item.product_id]["name"]
            if item.product_id in cards
            else names.get(item.product_id, ""),
            notify=item.notify,
            added_price=item.added_price,
        )
        for item in items
        if item.product_id in cards or item.product_id in names
    ]
