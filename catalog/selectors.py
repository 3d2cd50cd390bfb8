"""Reads of the catalogue for shoppers: what is visible, search, filters, sorting."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    DecimalField,
    Exists,
    Expression,
    F,
    Field,
    Max,
    OuterRef,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from catalog.models import Product, ProductImage, Variant
from catalog.search import product_search_filter

SEARCH_MAX_LENGTH = 100


class Sort:
    RELEVANCE = "relevance"
    NAME = "name"
    PRICE = "price"
    PRICE_DESC = "-price"
    NEWEST = "newest"


@dataclass(frozen=True)
class ProductFilters:
    """Validated shopper filters for a product listing; every field has a safe default.

    ``category`` is a slug the caller resolves to ``category_ids`` for
    ``product_list``, through the category tree it already holds.
    """

    q: str = ""
    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = ""
    page: int = 1
    # Beyond the numbered pages (``catalog.paging``): a validated keyset cursor to read on
    # from (``after``) or back from (``before``), or the last page.
    after: str = ""
    before: str = ""
    last: bool = False

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return Sort.RELEVANCE if self.q else Sort.NAME

    def as_params(self, *, with_sort: bool = True, with_page: bool = True) -> list[tuple[str, str]]:
        """Query parameters that reproduce these filters, in a fixed order (links, cache keys)."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        if self.category:
            params.append(("category", self.category))
        if self.min_price is not None:
            params.append(("min_price", format(self.min_price, "f")))
        if self.max_price is not None:
            params.append(("max_price", format(self.max_price, "f")))
        if self.in_stock:
            params.append(("in_stock", "1"))
        if with_sort and self.sort:
            params.append(("sort", self.sort))
        if with_page:
            if self.last:
                params.append(("page", "last"))
            elif self.after:
                params.append(("after", self.after))
            elif self.before:
                params.append(("before", self.before))
            elif self.page > 1:
                params.append(("page", str(self.page)))
        return params


def _active_variants() -> QuerySet[Variant]:
    return Variant.objects.filter(product=OuterRef("pk"), is_active=True)


# The columns a card, a keyset cursor and the sorts read.
_CARD_FIELDS = ("id", "name", "slug", "category_id", "created_at", "listed_price", "in_stock")


class _CardColumn(Expression):
    """One of a card's scalar subqueries, written once as SQL around the outer product's id.

    The same SQL the ORM builds from querysets of variants and images, without
    building, resolving and compiling those querysets for every cold page (most
    of a listing's query cost in Python). The inner tables have aliases of their
    own, so the outer id may be any alias (a relabelled subquery's ``U0`` too).
    ``sql`` is a whole expression (a parenthesised subquery); ``{pk}`` marks the
    outer id; ``params`` fill the ``%s`` in order.
    """

    def __init__(self, sql: str, params: tuple, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.sql = sql
        self.params = params
        self.pk: Expression = F("pk")

    def get_source_expressions(self) -> list:
        return [self.pk]

    def set_source_expressions(self, exprs: list) -> None:
        (self.pk,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple]:
        pk_sql, pk_params = compiler.compile(self.pk)
        before, after = self.sql.split("{pk}")
        split = before.count("%s")
        params = (*self.params[:split], *pk_params, *self.params[split:])
        return f"{before}{pk_sql}{after}", params


_VARIANTS = f'"{Variant._meta.db_table}" card_variant'
_IMAGES = f'"{ProductImage._meta.db_table}" card_image'
_ACTIVE = "card_variant.is_active AND card_variant.product_id = ({pk})"
# ``Variant.is_on_sale_at`` in SQL: the sale price applies at the moment given twice.
_ON_SALE = (
    "card_variant.sale_price IS NOT NULL"
    " AND (card_variant.sale_starts_at IS NULL OR card_variant.sale_starts_at <= %s)"
    " AND (card_variant.sale_ends_at IS NULL OR card_variant.sale_ends_at > %s)"
)
# ``Variant.price_at`` in SQL: what a shopper pays for one unit.
_PAID = f"CASE WHEN ({_ON_SALE}) THEN card_variant.sale_price ELSE card_variant.price END"
_FIRST_IMAGE = (
    f"FROM {_IMAGES} WHERE card_image.product_id = ({{pk}})"
    " ORDER BY card_image.position, card_image.id LIMIT 1"
)


def product_card_annotate(queryset: QuerySet[Product], *, at: datetime) -> QuerySet[Product]:
    """``queryset`` with the card annotations ``product_list`` documents, priced as at ``at``."""
    money = DecimalField(max_digits=12, decimal_places=2)
    text = CharField()
    return queryset.annotate(
        from_price=_CardColumn(
            f"(SELECT {_PAID} FROM {_VARIANTS} WHERE {_ACTIVE} ORDER BY 1 ASC LIMIT 1)", (at, at), money
        ),
        to_price=_CardColumn(
            f"(SELECT {_PAID} FROM {_VARIANTS} WHERE {_ACTIVE} ORDER BY 1 DESC LIMIT 1)", (at, at), money
        ),
        regular_from_price=_CardColumn(
            f"(SELECT card_variant.price FROM {_VARIANTS} WHERE {_ACTIVE} ORDER BY 1 ASC LIMIT 1)", (), money
        ),
        # A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS in the select list into a
        # hash of every variant on sale when it expects many rows (the home page's short lists).
        on_sale=_CardColumn(
            f"COALESCE((SELECT true FROM {_VARIANTS} WHERE {_ACTIVE} AND {_ON_SALE} LIMIT 1), false)",
            (at, at),
            BooleanField(),
        ),
        image_small=_CardColumn(f"(SELECT card_image.thumbnail_small {_FIRST_IMAGE})", (), text),
        image_full=_CardColumn(f"(SELECT card_image.image {_FIRST_IMAGE})", (), text),
        image_alt=_CardColumn(f"(SELECT card_image.alt_text {_FIRST_IMAGE})", (), text),
    )


def product_list(
    *,
    category_ids: Collection[int] | None,
    filters: ProductFilters | None = None,
    at: datetime | None = None,
    rank_within: int | None = None,
    with_cards: bool = True,
) -> QuerySet[Product]:
    """Shopper-visible products with card data, filtered, searched and sorted, priced as at ``at``.

    Visible: active, in one of ``category_ids`` (the caller passes visible
    categories only) and with an active variant (a stored ``listed_price``).
    ``None`` leaves the category to the caller, who must filter on a visible
    one (the category page's branches in ``catalog.paging``).
    Filters and sorts read only the stored ``listed_price`` and ``in_stock``
    (kept by the database, migration catalog 0010), which the listing indexes
    serve; the card annotations below are computed only for the rows fetched,
    so a caller paginating a long list takes the page's ids first
    (``catalog.paging``). Each row carries
    ``from_price`` and ``to_price`` (lowest and highest price a shopper pays
    for an active variant at ``at``, sale prices included),
    ``regular_from_price`` (lowest price without sales), ``on_sale`` (an
    active variant's sale price applies) and its first image (``image_small``,
    ``image_full``, ``image_alt``) as annotations. The price filters and the
    price sorts use ``listed_price``, which is ``from_price`` as at the last
    save or scheduled change (docs/architecture.md, "Money"). ``at`` defaults
    to now; cached pages pass the moment their cache key was read at.

    ``rank_within`` bounds a search ordered by relevance: only the newest
    ``rank_within`` matches (and an exact SKU match) are ranked, so a common
    word in a large catalogue costs about what a rare one does (``catalog.search``).

    ``with_cards=False`` leaves the card annotations out (the rows, filters and
    order are the same): building and compiling them is most of a cold page's
    query cost in Python, so reads of ids and counts go without, and
    ``product_card_annotate`` adds them to the query of the rows shown.
    """
    filters = filters or ProductFilters()
    at = at or timezone.now()
    queryset = Product.objects.filter(is_active=True, listed_price__isnull=False).only(*_CARD_FIELDS)
    if category_ids is not None:
        queryset = queryset.filter(category_id__in=list(category_ids))
    if with_cards:
        queryset = product_card_annotate(queryset, at=at)
    if filters.min_price is not None:
        queryset = queryset.filter(listed_price__gte=filters.min_price)
    if filters.max_price is not None:
        queryset = queryset.filter(listed_price__lte=filters.max_price)
    if filters.in_stock:
        queryset = queryset.filter(in_stock=True)
    order = {
        Sort.NAME: ["name", "id"],
        Sort.PRICE: ["listed_price", "name", "id"],
        Sort.PRICE_DESC: ["-listed_price", "name", "id"],
        Sort.NEWEST: ["-created_at", "-id"],
    }
    if filters.q:
        relevance = filters.effective_sort == Sort.RELEVANCE
        queryset = product_search_filter(
            queryset, filters.q[:SEARCH_MAX_LENGTH], rank_within=rank_within if relevance else None
        )
        order[Sort.RELEVANCE] = ["-search_exact", "-search_rank", "name", "id"]
    return queryset.order_by(*order.get(filters.effective_sort, order[Sort.NAME]))


def product_list_featured(
    *, category_ids: Collection[int], limit: int, at: datetime | None = None
) -> QuerySet[Product]:
    """Visible featured products in stock, newest first: a sold-out product is no showcase."""
    return (
        product_list(category_ids=category_ids, at=at)
        .filter(is_featured=True, in_stock=True)
        .order_by("-created_at", "-id")[:limit]
    )


def product_list_newest(
    *,
    category_ids: Collection[int],
    limit: int,
    exclude_ids: Collection[int] = (),
    at: datetime | None = None,
) -> QuerySet[Product]:
    """The newest visible products in stock, leaving out ``exclude_ids`` (shown elsewhere on the page)."""
    return (
        product_list(category_ids=category_ids, at=at)
        .filter(in_stock=True)
        .exclude(pk__in=list(exclude_ids))
        .order_by("-created_at", "-id")[:limit]
    )


def product_get_visible(*, slug: str, category_ids: Collection[int]) -> Product:
    """A product a shopper may see, with its active variants and images (three queries).

    Raises ``Http404`` when the product is missing, inactive, in a hidden
    category or has no active variant, so a hidden product looks like a missing one.
    The variants (``active_variants``) and images (``ordered_images``) are read
    by the product's id, as a prefetch would, without the prefetch machinery's
    Python cost on a cold product page; each holds the product as its own.
    """
    product = (
        Product.objects.filter(slug=slug, is_active=True, category_id__in=list(category_ids))
        .filter(Exists(_active_variants()))
        .first()
    )
    if product is None:
        raise Http404("No such product.")
    product.active_variants = list(
        Variant.objects.filter(product_id=product.pk, is_active=True).order_by("position", "id")
    )
    images = ProductImage.objects.filter(product_id=product.pk).order_by("position", "id")
    product.ordered_images = list(images)
    for row in (*product.active_variants, *product.ordered_images):
        row.product = product
    return product


def product_sitemap_list(*, category_ids: Collection[int], id_after: int, id_upto: int) -> QuerySet[Product]:
    """Visible products with ``id_after < id <= id_upto``, for a sitemap page: slug and last change only.

    A range of ids, never an offset: a page deep in a large catalogue reads its own rows only.
    """
    return (
        Product.objects.filter(
            is_active=True, category_id__in=list(category_ids), id__gt=id_after, id__lte=id_upto
        )
        # The range repeated on the variants, so the planner reads theirs by index, not all of them.
        .filter(Exists(_active_variants().filter(product_id__gt=id_after, product_id__lte=id_upto)))
        .only("slug", "updated_at")
        .order_by("id")
    )


def product_last_id_get() -> int:
    """The highest product id (0 without products): how far the sitemap's id ranges reach."""
    return Product.objects.aggregate(last=Max("id"))["last"] or 0
