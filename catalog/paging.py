"""Pages of a product listing whose cost does not grow with the catalogue or the page's depth.

Numbered pages up to ``CATALOG_PAGE_NUMBER_LIMIT``; beyond them keyset pages
(``after`` / ``before`` an opaque cursor holding the sort key of a row) and a
last page read in reverse order, so page 1, a page a thousand pages deep and
the last page each read about one page of index entries. The count stops at
the numbered pages' rows plus one ("more than N products"). A page's ids are
read first, then the card data of those rows only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from catalog.models import Product
from catalog.selectors import ProductFilters, Sort, product_list

# Each keyset sort: (field, descending) from the most significant; the last is the unique id.
_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    Sort.NAME: (("name", False), ("id", False)),
    Sort.PRICE: (("listed_price", False), ("name", False), ("id", False)),
    Sort.PRICE_DESC: (("listed_price", True), ("name", False), ("id", False)),
    Sort.NEWEST: (("created_at", True), ("id", True)),
}
_CURSOR_MAX_LENGTH = 600
# A subtree of more categories reads the global sort index instead: planning grows with the
# branches (about 0.1 ms each), and each reads up to a page's worth of its own rows.
CATEGORY_BRANCHES_MAX = 50
_ID_MAX = 2**63 - 1
_NAME_MAX = Product._meta.get_field("name").max_length
_PRICE_MAX = Decimal(10) ** 10
_PRICE_PLACES = Product._meta.get_field("listed_price").decimal_places
_PRICE_STEP = Decimal(1).scaleb(-_PRICE_PLACES)


def sort_is_keyset(sort: str) -> bool:
    """Whether a sort can be paged by cursor (every sort but relevance)."""
    return sort in _KEYS


def cursor_encode(*, sort: str, product: Product) -> str:
    """The opaque cursor of ``product``'s position in ``sort`` (a keyset sort)."""
    values: list[Any] = []
    for field, _descending in _KEYS[sort]:
        value = getattr(product, field)
        if isinstance(value, Decimal):
            value = format(value, "f")
        elif isinstance(value, datetime):
            value = value.isoformat()
        values.append(value)
    raw = json.dumps([sort, values], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(token: str, *, sort: str) -> tuple | None:
    """The sort key a cursor holds for ``sort``; None when it is malformed or made for another sort."""
    if not token or len(token) > _CURSOR_MAX_LENGTH or not sort_is_keyset(sort):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, list) or len(data) != 2 or data[0] != sort or not isinstance(data[1], list):
        return None
    keys = _KEYS[sort]
    if len(data[1]) != len(keys):
        return None
    parsed = []
    for (field, _descending), value in zip(keys, data[1], strict=True):
        try:
            value = _key_value(field, value)
        except (ValueError, OverflowError, ArithmeticError):
            return None
        if value is None:
            return None
        parsed.append(value)
    return tuple(parsed)


def _key_value(field: str, value: Any) -> Any:
    """A cursor's value for ``field`` if the database can compare it as is, else None (or an error).

    Strings must encode to UTF-8 (JSON lets a lone surrogate through), prices
    fit the column (at most two decimal places), moments are real aware
    datetimes that convert to UTC, ids are positive 64-bit integers.
    """
    if field == "id":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _ID_MAX
        return value if ok else None
    if not isinstance(value, str) or "\x00" in value:
        return None
    value.encode()  # UnicodeEncodeError (a ValueError) on a lone surrogate
    if field == "name":
        return value if 0 < len(value) <= _NAME_MAX else None
    if len(value) > 40:
        return None
    if field == "listed_price":
        try:
            price = Decimal(value)
        except InvalidOperation:
            return None
        if not price.is_finite() or price.as_tuple().exponent < -_PRICE_PLACES:
            return None
        # Rewritten with exactly two places, so "0E+9999" reaches the database as "0.00".
        return price.quantize(_PRICE_STEP) if 0 <= price < _PRICE_MAX else None
    moment = parse_datetime(value) if field == "created_at" else None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        return None
    moment.astimezone(UTC)  # OverflowError at the ends of the calendar
    return moment


def _after_q(sort: str, key: tuple, *, backwards: bool) -> Q:
    """Rows after ``key`` in ``sort`` (before it when ``backwards``), with the leading column bounded
    on its own too, so the index scan starts at the cursor."""
    keys = _KEYS[sort]
    condition = Q()
    equal = Q()
    for (field, descending), value in zip(keys, key, strict=True):
        lookup = "lt" if descending != backwards else "gt"
        condition |= equal & Q(**{f"{field}__{lookup}": value})
        equal &= Q(**{field: value})
    leading, descending = keys[0]
    bound = "lte" if descending != backwards else "gte"
    return Q(**{f"{leading}__{bound}": key[0]}) & condition


def _order(sort: str, *, backwards: bool) -> list:
    return [
        F(field).desc() if descending != backwards else F(field).asc() for field, descending in _KEYS[sort]
    ]


@dataclass(frozen=True)
class ProductPage:
    """One page of a listing: its products (with card data) and how to reach its neighbours.

    ``number`` is the page's number among the numbered pages, None beyond them.
    ``count`` is exact up to ``count_cap``; ``count_more`` says there are more
    rows than that. ``previous``/``next`` are the neighbours as
    ``("page", "3")``, ``("after", cursor)`` or ``("before", cursor)``, or None.
    """

    products: list[Product]
    number: int | None
    num_pages: int
    count: int
    count_more: bool
    count_cap: int
    is_last: bool
    previous: tuple[str, str] | None
    next: tuple[str, str] | None
    keyset: bool


def product_page_get(
    *,
    category_ids: Collection[int],
    filters: ProductFilters,
    at: datetime | None = None,
    subtree: bool = False,
) -> ProductPage:
    """One page of ``product_list`` for ``filters`` (page number, cursor or last page), in three queries.

    Queries: the count up to the numbered pages plus one row, the page's ids
    (an index range for keyset sorts, whatever the depth), and the card data of
    those ids; relevance, which has numbered pages only, reads and counts the
    ids of all its numbered pages in one query (two in all). Cursors must be
    valid for the sort (the form checks them); a page number beyond the
    numbered pages shows the last numbered one. ``subtree`` says
    ``category_ids`` are one category and its descendants (a category page, or
    the list filtered to a category), not the whole visible catalogue: without
    a search, the ids are then read on each category's own index range and
    merged, so the cost is the same whatever the category's share of the
    catalogue and however its names or prices cluster.
    """
    size = settings.CATALOG_PAGE_SIZE
    limit = settings.CATALOG_PAGE_NUMBER_LIMIT
    sort = filters.effective_sort
    cap = size * limit
    # Counts and ids read the rows without the card annotations; only the page's cards carry them.
    # A sort with no keyset (relevance) has numbered pages only: one query reads the ids of all of
    # them in order, and counts them too. Others count up to the cap, then read one page's ids.
    numbered_ids = None
    branches: list[int] = []
    if sort_is_keyset(sort):
        rows = product_list(category_ids=category_ids, filters=filters, at=at, with_cards=False)
        rows = rows.values_list("pk", flat=True)
        count = rows.order_by().values("pk")[: cap + 1].count()
        if subtree and not filters.q and 2 <= len(category_ids) <= CATEGORY_BRANCHES_MAX:
            branches = sorted(category_ids)
            # Each branch names its own category only: over ``rows``, every branch would repeat
            # the subtree's whole list, a statement growing with the square of the categories.
            rows = product_list(category_ids=None, filters=filters, at=at, with_cards=False)
            rows = rows.values_list("pk", flat=True)
    else:
        # Ranked among the newest matches only; never fewer than the numbered pages hold, so the
        # count and "more than" stay true.
        within = max(settings.CATALOG_SEARCH_RANK_LIMIT, cap + 1)
        ranked = product_list(
            category_ids=category_ids, filters=filters, at=at, rank_within=within, with_cards=False
        )
        numbered_ids = list(ranked.values_list("pk", flat=True)[: cap + 1])
        count = len(numbered_ids)
    count_more = count > cap
    keyset = sort_is_keyset(sort) and count_more
    num_pages = max(1, -(-min(count, cap) // size))
    after = cursor_decode(filters.after, sort=sort) if keyset else None
    before = cursor_decode(filters.before, sort=sort) if keyset and after is None else None
    previous: tuple[str, str] | None = None
    following: tuple[str, str] | None = None
    number: int | None = None
    is_last = False
    if keyset and (filters.last or before is not None):
        where = _after_q(sort, before, backwards=True) if before is not None else Q()
        ids = _ids(rows, where, sort=sort, branches=branches, backwards=True, stop=size + 1)
        more_before = len(ids) > size
        ids = ids[:size][::-1]
        is_last = before is None
    elif keyset and after is not None:
        where = _after_q(sort, after, backwards=False)
        ids = _ids(rows, where, sort=sort, branches=branches, backwards=False, stop=size + 1)
        more_after = len(ids) > size
        ids = ids[:size]
    else:
        number = min(filters.page, num_pages)
        start, stop = (number - 1) * size, number * size
        if numbered_ids is not None:
            ids = numbered_ids[start:stop]
        else:
            ids = _ids(rows, Q(), sort=sort, branches=branches, backwards=False, start=start, stop=stop)
    products = _cards(category_ids=category_ids, ids=ids, at=at)
    if number is not None:
        if number > 1:
            previous = ("page", str(number - 1))
        if number < num_pages:
            following = ("page", str(number + 1))
        elif keyset and products:
            following = ("after", cursor_encode(sort=sort, product=products[-1]))
        is_last = following is None
    elif products:
        if before is not None or filters.last:
            previous = ("before", cursor_encode(sort=sort, product=products[0])) if more_before else None
            following = None if is_last else ("after", cursor_encode(sort=sort, product=products[-1]))
        else:
            previous = ("before", cursor_encode(sort=sort, product=products[0]))
            following = ("after", cursor_encode(sort=sort, product=products[-1])) if more_after else None
            is_last = following is None
    return ProductPage(
        products=products,
        number=number,
        num_pages=num_pages,
        count=min(count, cap),
        count_more=count_more,
        count_cap=cap,
        is_last=is_last,
        previous=previous,
        next=following,
        keyset=keyset,
    )


def _ids(
    rows: QuerySet, where: Q, *, sort: str, branches: list[int], backwards: bool, stop: int, start: int = 0
) -> list[int]:
    """The ids of ``rows`` matching ``where``, ordered by ``sort`` (reversed when ``backwards``), sliced.

    With ``branches`` (category ids; ``rows`` then has no category filter of
    its own), one query still: a UNION ALL of one
    branch per category, each ``category_id = X`` ordered and cut at ``stop``
    on its category's index, merged by the outer ORDER BY (a Merge Append).
    A category's rows are never read past its own first ``stop``, and no other
    category's rows are read at all.
    """
    order = _order(sort, backwards=backwards)
    if not branches:
        return list(rows.filter(where).order_by(*order)[start:stop])
    fields = [field for field, _descending in _KEYS[sort]]
    parts = [
        rows.filter(where, category_id=pk).order_by(*order).values_list(*fields)[:stop] for pk in branches
    ]
    merged = parts[0].union(*parts[1:], all=True).order_by(*order)[start:stop]
    return [row[-1] for row in merged]


def _cards(*, category_ids: Collection[int], ids: list[int], at: datetime | None) -> list[Product]:
    """The products of ``ids`` with their card data, in that order.

    The ids were read with the filters and the search, so this reads them by key
    with visibility only: the search's conditions are not built or run twice.
    """
    if not ids:
        return []
    cards = product_list(category_ids=category_ids, at=at).filter(pk__in=ids).order_by()
    found = {product.pk: product for product in cards}
    return [found[pk] for pk in ids if pk in found]
