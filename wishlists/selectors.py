"""Reads of wishlists: which products a shopper keeps, what they cost now, and the stop link's customer."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from catalog.cache import product_cards_get
from catalog.models import Product, Variant
from shop.models import User
from wishlists.emails import wishlist_unsubscribe_user_id
from wishlists.models import WishlistItem
from wishlists.session import wishlist_session_ids


def wishlist_product_visible(*, product_id: int, category_ids: Collection[int]) -> Product | None:
    """The product if a shopper may see it (active, in a visible category, with a variant for sale)."""
    return Product.objects.filter(
        pk=product_id, is_active=True, category_id__in=list(category_ids), listed_price__isnull=False
    ).first()


@dataclass(frozen=True)
class BuyPrice:
    """What a product costs now among the options a shopper can buy: the lowest, and whether they differ."""

    price: Decimal
    varies: bool


def wishlist_buy_prices(*, product_ids: Collection[int], at: datetime) -> dict[int, BuyPrice]:
    """The lowest price at ``at`` of each product's active options in stock (one query).

    A product with no such option (sold out, or without active options) is left out: what a
    wishlist email tells is what the customer can buy, not a sold-out option's price.
    """
    prices: dict[int, list[Decimal]] = {}
    variants = Variant.objects.filter(product_id__in=list(product_ids), is_active=True, stock__gt=0).only(
        "product_id", "price", "sale_price", "sale_starts_at", "sale_ends_at"
    )
    for variant in variants:
        prices.setdefault(variant.product_id, []).append(variant.price_at(at))
    return {pk: BuyPrice(price=min(found), varies=len(set(found)) > 1) for pk, found in prices.items()}


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
    of products no longer shown cost one more query, and only when there are some. Products
    deleted since they were saved are left out.
    """
    items = wishlist_item_list(user=request.user, session=request.session)
    ids = [item.product_id for item in items]
    cards = {card["id"]: card for card in product_cards_get(request=request, product_ids=ids)}
    names = wishlist_product_names(product_ids=[pk for pk in ids if pk not in cards])
    names.update((pk, card["name"]) for pk, card in cards.items())
    return [
        WishlistEntry(
            product_id=item.product_id,
            card=cards.get(item.product_id),
            name=names[item.product_id],
            notify=item.notify,
            added_price=item.added_price,
        )
        for item in items
        if item.product_id in names
    ]


def wishlist_unsubscribe_user_get(*, token: str) -> User | None:
    """The active customer a stop link was made for, or None for a link that was not (or is no more)."""
    user_id = wishlist_unsubscribe_user_id(token=token)
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
