"""Substring search of Chinese (and other CJK) text on a GIN index, by character n-grams.

PostgreSQL's text search parser does not split Han, kana or hangul into words, and
the embedded server has no pg_trgm. So a document also holds every single CJK
character and every pair of adjacent ones (``shop_cjk_ngrams``, migration shop
0014), and a query term of CJK text becomes the AND of its pairs, or the one
character (``shop_cjk_ngram_query``). The index then narrows the rows to those
holding every pair; a LIKE on the text confirms the substring, since the pairs
of a term can occur apart (docs/architecture.md, "Search").
"""

import re

from django.contrib.postgres.search import SearchQueryCombinable, SearchQueryField
from django.db.models import Func, Value

# Han, kana and hangul. The SQL functions use the same class: a document and a query
# must be cut into the same n-grams.
CJK_CLASS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
_CJK = re.compile(f"[{CJK_CLASS}]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any Han, kana or hangul character."""
    return bool(_CJK.search(text))


def cjk_terms_split(text: str) -> tuple[list[str], str]:
    """The whitespace-separated terms of ``text`` that hold CJK text, and the rest of the text."""
    cjk: list[str] = []
    other: list[str] = []
    for term in text.split():
        (cjk if has_cjk(term) else other).append(term)
    return cjk, " ".join(other)


class CjkNgramQuery(SearchQueryCombinable, Func):
    """The tsquery of one CJK term: the AND of its character pairs (a lone character: itself).

    Combines with ``SearchQuery`` by ``&`` and ``|``. Matches every row whose
    text holds the term, and maybe a few more: confirm with a substring test.
    """

    function = "shop_cjk_ngram_query"
    output_field = SearchQueryField()

    def __init__(self, term: str) -> None:
        super().__init__(Value(term))
