"""The product cards other pages show (recently viewed, suggestions next to a cart), cached per revision.

A card's cache entry is the one the product page stores for its own product
(``catalog.cache.products``), so a product just viewed costs no query here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.core.cache import caches
from django.http import HttpRequest

from catalog.cache.base import (
    MISSING,
    cache_key,
    cache_seconds,
    category_tree,
    has_session,
    product_card,
    request_moment,
)
from catalog.recently_viewed import recently_viewed_ids
from catalog.recommendations import product_list_recommended
from catalog.selectors import product_list

RECENTLY_VIEWED_COUNT = 6


def recently_viewed_cards_get(
    *, request: HttpRequest, exclude_ids: Collection[int] = (), limit: int = RECENTLY_VIEWED_COUNT
) -> list[dict]:
    """Cards of the shopper's recently viewed products, latest first, without ``exclude_ids``.

    Empty for a visitor without a session. Hidden products are left out. At
    most one query (usually none: cards are cached per revision).
    """
    if not has_session(request):
        return []
    ids = [pk for pk in recently_viewed_ids(session=request.session) if pk not in exclude_ids]
    return product_cards_get(request=request, product_ids=ids)[:limit]


def product_cards_get(*, request: HttpRequest, product_ids: Sequence[int]) -> list[dict]:
    """Product cards of visible products in the order of ``product_ids``; hidden or unknown ids are left out.

    Cards are cached per revision (the product page stores its own), so this
    costs one query for the cards the cache misses, none when it has them all.
    """
    if not product_ids:
        return []
    store = caches["default"]
    keys = {pk: cache_key(request, "card", pk, per_language=False) for pk in product_ids}
    found = store.get_many([key for key in keys.values() if key is not None])
    cards = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in product_ids if pk not in cards]
    if missing:
        visible = category_tree(request).visible_ids
        listed = product_list(category_ids=visible, at=request_moment(request)).filter(pk__in=missing)
        fetched = {product.pk: product_card(product) for product in listed}
        for pk in missing:
            cards[pk] = fetched.get(pk, MISSING)
        store.set_many(
            {keys[pk]: cards[pk] for pk in missing if keys[pk] is not None}, cache_seconds(request)
        )
    return [cards[pk] for pk in product_ids if cards[pk] != MISSING]


def recommended_cards_get(*, request: HttpRequest, product_ids: Collection[int], limit: int) -> list[dict]:
    """Cards of what to suggest next to ``product_ids`` (a cart's products): one query, never cached.

    See ``catalog.recommendations.product_list_recommended`` for the order.
    """
    if not product_ids:
        return []
    visible = category_tree(request).visible_ids
    return [
        product_card(product)
        for product in product_list_recommended(
            product_ids=product_ids, category_ids=visible, limit=limit, at=request_moment(request)
        )
    ]
