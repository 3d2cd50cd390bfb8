"""Storefront search: the products of a listing that match a shopper's query, and their rank.

``catalog.selectors.product_list`` applies it to a listing's query; the rules
(the search document, CJK n-grams, a bounded ranked set) are in
docs/architecture.md, "Search".
"""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchQueryCombinable, SearchQueryField, SearchRank
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When

from catalog.models import Product
from shop.ngrams import CjkNgramQuery, cjk_terms_split


class _Matches(Func):
    """``vector @@ query`` as a boolean expression (the ``search_vector=`` lookup rewraps other queries)."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _AnyOf(Func):
    """``value = ANY(ARRAY(subquery))``: the array is read once, and the test can use an index.

    Unlike ``IN (subquery)``, it stays an index condition when ORed with another one.
    """

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


class _SkuQuery(SearchQueryCombinable, Func):
    """The tsquery of the exact-SKU lexeme ``sku=<lower-case SKU>`` the search document holds.

    The lexeme is quoted, never parsed: a query is data, not tsquery syntax.
    """

    template = "%(expressions)s::tsquery"
    output_field = SearchQueryField()

    def __init__(self, sku: str) -> None:
        lexeme = ("sku=" + sku.lower()).replace("\\", "\\\\").replace("'", "''")
        super().__init__(Value(f"'{lexeme}'"))


def product_search_filter(
    queryset: QuerySet[Product], q: str, *, rank_within: int | None = None
) -> QuerySet[Product]:
    """Search on the GIN index of the search document; an exact SKU ranks first, then name hits.

    Words match by full text (English stems and plain words, SKUs included). A
    term of CJK text matches as a substring of the name or description: the
    index narrows on its character pairs (shop/ngrams.py), a LIKE confirms.
    Only the matching rows are ranked; with ``rank_within``, only the newest
    that many of them and an exact SKU match: ranking reads every ranked row's
    document, and a common word matches a fixed share of any catalogue (about
    60,000 rows at 1,000,000 products). The newest are found walking the
    primary key backwards, or, for a rare term, from the index.
    """
    cjk_terms, text = cjk_terms_split(q)
    query: SearchQueryCombinable | None = None
    if text:
        query = SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
            text, search_type="websearch", config="simple"
        )
    search_exact: Case | Value = Value(0)
    sku: _SkuQuery | None = None
    if text and not cjk_terms:
        sku = _SkuQuery(q.strip())
        exact = When(_Matches(F("search_vector"), sku), then=Value(1))
        search_exact = Case(exact, default=Value(0), output_field=IntegerField())
        query = query | sku
    name_hit = Q()
    for term in cjk_terms:
        ngrams = CjkNgramQuery(term)
        query = ngrams if query is None else query & ngrams
        queryset = queryset.filter(Q(name__icontains=term) | Q(description__icontains=term))
        name_hit &= Q(name__icontains=term)
    text_rank = SearchRank(F("search_vector"), query) if text else Value(0.0)
    if cjk_terms:
        search_rank = Case(When(name_hit, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        search_rank = search_rank + text_rank
    else:
        search_rank = text_rank
    queryset = queryset.filter(_Matches(F("search_vector"), query))
    if rank_within is not None:
        newest = ArraySubquery(queryset.order_by("-pk").values("pk")[:rank_within])
        ranked = Q(_AnyOf(F("pk"), newest))
        if sku is not None:
            ranked |= Q(_Matches(F("search_vector"), sku))
        queryset = queryset.filter(ranked)
    return queryset.annotate(search_exact=search_exact, search_rank=search_rank)
