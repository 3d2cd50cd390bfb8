"""The machinery of the storefront's page cache: keys, holes, and the small helpers pages share.

Every key starts with the catalogue revision, which ``catalog_mark_changed``
bumps after each committed catalogue change, so a price or stock edit shows at
once in every web process; the cache itself is never needed for correctness.
The revision's key also counts the scheduled changes (a sale starting or
ending) that have passed, so such a change shows the instant it passes, with
no save and no job; pages are priced as at the moment the key was read.

A whole page is cached with *holes* where per-request parts go: the CSRF
token, the language switch's ``next`` path, the header's account and cart
links and any flash messages. Each request fills the holes afresh, so no
token, cart or account detail is ever stored. The page is stored cut at its
holes, as UTF-8 bytes (``page_split``), so a request joins the segments with
its fills (``holes_fill``) and never searches, copies or encodes the page.
The header links of a visitor without a session (anonymous, with an empty
cart: most first visits, crawlers and load tests) are the same for all of
them, so they are stored with the page, in its language (``page_store``).

Product pages have two more holes: the shopper's recently viewed products
(kept in the session) and the signed-in shopper's address in the
back-in-stock form. Their "also bought" recommendations are part of the
cached page: recomputing them bumps the revision.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from catalog.categories import CategoryTree, category_tree_get
from catalog.models import Product, ProductImage
from catalog.revision_read import CatalogRevisionRead, catalog_revision
from catalog.services import catalog_schedule_fold
from shop.csrf import csrf_token_get
from shop.i18n import language_from_query, path_without_language, url_in_language

logger = logging.getLogger(__name__)

META_DESCRIPTION_LENGTH = 160
# Cached in place of a page a shopper may not see, so probing slugs stays cheap.
MISSING = "missing"
_UNSET = object()
# In every key: a shared cache (``CACHE_URL``) may hold entries of the previous release while
# a deploy rolls, and a changed entry format must not be read by the other release.
CACHE_FORMAT = 4

# A page builder returns the template and its context, or None for a hidden page.
PageBuild = Callable[[], tuple[str, dict] | None]


def request_revision(request: HttpRequest) -> CatalogRevisionRead | None:
    """The catalogue revision, read at most once per request (memoized on it).

    When scheduled changes have passed, the first request to see it folds them
    into the revision (one more statement, once per change across all
    processes) and uses the folded revision. Inside a transaction it leaves
    them: the count of passed changes alone keeps the keys right.
    """
    revision = getattr(request, "_catalog_revision", _UNSET)
    if revision is _UNSET:
        revision = catalog_revision()
        if revision is not None and revision.passed and not connection.in_atomic_block:
            try:
                folded = catalog_schedule_fold()
            except DatabaseError:
                # Housekeeping only: the unfolded key is right too, and the next request tries again.
                logger.warning("Could not fold passed scheduled catalogue changes.", exc_info=True)
                folded = None
            if folded is not None:
                number, moment, next_change = folded
                revision = CatalogRevisionRead(
                    number=number, passed=0, moment=moment, next_change=next_change
                )
        request._catalog_revision = revision
    return revision


def request_moment(request: HttpRequest) -> datetime:
    """The moment this request's catalogue pages are priced at: when its cache key was read.

    Prices are worked out as at this moment, never at "now" while rendering,
    so a page is stored only under the key whose scheduled changes it shows.
    """
    revision = request_revision(request)
    return revision.moment if revision is not None else timezone.now()


def cache_seconds(request: HttpRequest) -> int:
    """How long this request's entries live: at most until the next scheduled change.

    ``CATALOG_CACHE_SECONDS``, cut short at the next scheduled change. The key
    changes at that moment anyway; ending the entries then too means no entry
    outlives the prices it shows, and the dead ones free their memory.
    """
    seconds = settings.CATALOG_CACHE_SECONDS
    revision = request_revision(request)
    if revision is not None and revision.next_change is not None:
        until = (revision.next_change - revision.moment).total_seconds()
        seconds = max(1, min(seconds, math.ceil(until)))
    return seconds


def cache_key(request: HttpRequest, kind: str, *parts: Any, per_language: bool = True) -> str | None:
    """A cache key under the current revision; ``None`` (do not cache) without a revision."""
    revision = request_revision(request)
    if revision is None:
        return None
    language = get_language() if per_language else "-"
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"catalog:{CACHE_FORMAT}:{revision.key}:{language}:{kind}:{digest}"


def cache_get_or_build(key: str | None, build: Callable[[], Any], *, seconds: int | None = None) -> Any:
    """The cached value of ``key``, else ``build()`` stored for ``seconds`` (``CATALOG_CACHE_SECONDS``)."""
    if key is None:
        return build()
    store = caches["default"]
    value = store.get(key)
    if value is None:
        value = build()
        store.set(key, value, seconds or settings.CATALOG_CACHE_SECONDS)
    return value


def request_cache_get_or_build(request: HttpRequest, key: str | None, build: Callable[[], Any]) -> Any:
    """``cache_get_or_build`` under this request's revision: the entry ends by the next scheduled change."""
    return cache_get_or_build(key, build, seconds=cache_seconds(request) if key is not None else None)


def category_tree(request: HttpRequest) -> CategoryTree:
    """The category tree of the current revision (cached; memoized on the request)."""
    tree = getattr(request, "_catalog_tree", None)
    if tree is None:
        tree = request_cache_get_or_build(
            request, cache_key(request, "tree", per_language=False), category_tree_get
        )
        request._catalog_tree = tree
    return tree


def category_nav_get(*, request: HttpRequest) -> list[dict]:
    """Top-level categories for the site navigation: name, slug and url of each."""
    return _nav(category_tree(request))


def _nav(tree: CategoryTree) -> list[dict]:
    return [{"name": node["name"], "slug": node["slug"], "url": node["url"]} for node in tree.children(None)]


# Whole pages with holes -------------------------------------------------------------------------


@cache
def page_holes() -> dict[str, str]:
    # Derived from SECRET_KEY, so catalogue text cannot forge a hole by accident or on purpose.
    digest = salted_hmac("catalog.cache.holes", "page holes").hexdigest()[:24]
    return {name: f"hole{name}{digest}" for name in ("csrf", "next", "links", "messages", "recent", "email")}


def layout_context(tree: CategoryTree) -> dict:
    """What base.html needs, with holes for everything that belongs to one request."""
    holes = page_holes()
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "nav_categories": _nav(tree),
        "csrf_token": holes["csrf"],
        "language_next": holes["next"],
        "header_links_hole": mark_safe(holes["links"]),
        "messages_hole": mark_safe(holes["messages"]),
    }


class SplitPage(NamedTuple):
    """A cached page, cut at its holes: UTF-8 text segments, and between each two the name of the
    hole that goes there (``segments[0] holes[0] segments[1] ... segments[-1]``).

    Stored as bytes, a page costs the cache no decoding and a request no search through it, no
    copies and no encoding. ``guest_links`` are the header links of a visitor without a session,
    rendered with the page (``page_store``); empty when not, and such a page renders them.
    """

    segments: tuple[bytes, ...]
    holes: tuple[str, ...]
    guest_links: bytes = b""


@cache
def _holes_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(marker) for marker in page_holes().values()))


@cache
def _hole_names() -> dict[str, str]:
    return {marker: name for name, marker in page_holes().items()}


def page_split(html: str, *, guest_links: bytes = b"") -> SplitPage:
    """``html`` rendered with holes, as ``holes_fill`` takes it: cut once, when the page is built."""
    names = _hole_names()
    segments: list[bytes] = []
    holes: list[str] = []
    start = 0
    for match in _holes_pattern().finditer(html):
        segments.append(html[start : match.start()].encode())
        holes.append(names[match.group()])
        start = match.end()
    segments.append(html[start:].encode())
    return SplitPage(tuple(segments), tuple(holes), guest_links)


def page_store(template_name: str, context: dict) -> SplitPage:
    """The page rendered and cut at its holes, with the guest header links of its language."""
    guest_links = render_to_string(
        "_header_links.html", {"user": AnonymousUser(), "cart_count": 0, "csrf_token": page_holes()["csrf"]}
    )
    return page_split(render_to_string(template_name, context), guest_links=guest_links.encode())


def has_session(request: HttpRequest) -> bool:
    """Whether the visitor sent a session cookie: only then can they be signed in or have viewed anything."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def holes_fill(page: SplitPage, request: HttpRequest, **fills: str) -> bytes:
    """The page with every hole filled for this request, encoded.

    The layout's holes (header links, CSRF token, language switch path, messages) are filled
    here; a page with holes of its own passes their values as ``fills``.
    """
    segments, holes, guest_links = page
    messages = get_messages(request)
    messages_html = (
        render_to_string("catalog/_site_messages.html", {"messages": messages}) if len(messages) else ""
    )
    csrf_token = csrf_token_get(request).encode()
    links = guest_links if guest_links and not has_session(request) else _header_links(request).encode()
    values = {
        **{name: value.encode() for name, value in fills.items()},
        # The links may hold a CSRF hole of their own (the sign-out form).
        "links": links.replace(page_holes()["csrf"].encode(), csrf_token),
        "csrf": csrf_token,
        "next": escape(path_without_language(request)).encode(),
        "messages": messages_html.encode(),
    }
    parts: list[bytes] = [b""] * (2 * len(holes) + 1)
    parts[::2] = segments
    parts[1::2] = map(values.__getitem__, holes)
    return b"".join(parts)


def _header_links(request: HttpRequest) -> str:
    """The header's account and cart links, rendered for this visitor.

    Any CSRF token in them (the sign-out form) is left as a hole, filled like the page's own.
    """
    return render_to_string("_header_links.html", {"csrf_token": page_holes()["csrf"]}, request=request)


def page_response(*, request: HttpRequest, kind: str, parts: tuple, build: PageBuild) -> HttpResponse:
    """Serve a cached page with its holes filled; raises ``Http404`` when ``build`` finds it hidden."""

    def render() -> SplitPage | str:
        page = build()
        if page is None:
            return MISSING
        return page_store(*page)

    # A ``?lang=`` page names itself as canonical, so it is a page of its own.
    key = cache_key(request, kind, *parts, language_from_query(request))
    page = request_cache_get_or_build(request, key, render)
    if page == MISSING:
        raise Http404("No such page.")
    return HttpResponse(holes_fill(page, request))


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def canonical_url(request: HttpRequest, path: str) -> str:
    """The absolute canonical URL of ``path`` as this request asked for it: with its ``?lang=``
    when it has one (each language's address is canonical for itself), else the plain x-default."""
    language = language_from_query(request)
    return url_in_language(absolute_url(path), language) if language else absolute_url(path)


def url_with_query(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def page_title(title: str) -> str:
    return f"{title} | {settings.SHOP_NAME}"


def meta_summary(text: str) -> str:
    return Truncator(" ".join(strip_tags(text).split())).chars(META_DESCRIPTION_LENGTH)


def media_url(name: str | None) -> str | None:
    if not name:
        return None
    return ProductImage._meta.get_field("image").storage.url(name)


def product_card(product: Product, *, url: str | None = None) -> dict:
    """A listing's card of a product with ``product_list``'s annotations (``url`` if known)."""
    return {
        "id": product.pk,
        "name": product.name,
        "url": url or product.get_absolute_url(),
        "from_price": product.from_price,
        # The lowest price without sales, struck through when sales bring the lowest price below it.
        "was_price": product.regular_from_price if product.regular_from_price > product.from_price else None,
        "on_sale": product.on_sale,
        "price_varies": product.from_price != product.to_price,
        "in_stock": product.in_stock,
        "image_url": media_url(product.image_small or product.image_full),
        "image_alt": product.image_alt or product.name,
    }


# What the product URL's slug converter matches: such a slug goes into the URL as it is.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def product_cards(products: Iterable[Product]) -> list[dict]:
    """``product_card`` of each product, with one URL reversal for them all, not one per card."""
    head, _marker, tail = reverse("catalog:product_detail", kwargs={"slug": "slug"}).rpartition("slug")
    return [
        product_card(product, url=f"{head}{product.slug}{tail}" if _SLUG.fullmatch(product.slug) else None)
        for product in products
    ]


def top_category_slug(tree: CategoryTree, category_id: int) -> str:
    ancestors = tree.ancestors(category_id)
    return ancestors[0]["slug"] if ancestors else ""
