"""Storefront pages rendered once per catalogue revision and language, then served from the cache.

Every key starts with the catalogue revision, which ``catalog_mark_changed``
bumps after each committed catalogue change, so a price or stock edit shows at
once in every web process; the cache itself is never needed for correctness.

A whole page is cached with *holes* where per-request parts go: the CSRF
token, the language switch's ``next`` path, the header's account and cart
links and any flash messages. Each request fills the holes afresh, so no
token, cart or account detail is ever stored, while a warm page costs one
query (the revision) and one small template (the header links).

Product pages have two more holes: the shopper's recently viewed products
(kept in the session) and the signed-in shopper's address in the
back-in-stock form. Their "also bought" recommendations are part of the
cached page: recomputing them bumps the revision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import cache, partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext

from catalog.forms import SORT_CHOICES, ProductFilterForm
from catalog.models import Product, ProductImage
from catalog.recommendations import (
    product_list_bestsellers,
    product_list_recommended,
    recently_viewed_ids,
    recently_viewed_record,
)
from catalog.selectors import (
    CategoryTree,
    ProductFilters,
    Sort,
    catalog_revision,
    category_tree_get,
    product_get_visible,
    product_list,
    product_list_featured,
    product_list_newest,
)

HOME_PRODUCT_COUNT = 8
RECOMMENDATION_COUNT = 6
RECENTLY_VIEWED_COUNT = 6
META_DESCRIPTION_LENGTH = 160
# Cached in place of a page a shopper may not see, so probing slugs stays cheap.
_MISSING = "missing"
_UNSET = object()

# A page builder returns the template and its context, or None for a hidden page.
PageBuild = Callable[[], tuple[str, dict] | None]


def request_revision(request: HttpRequest) -> int | None:
    """The catalogue revision, read at most once per request (memoized on it)."""
    revision = getattr(request, "_catalog_revision", _UNSET)
    if revision is _UNSET:
        revision = catalog_revision()
        request._catalog_revision = revision
    return revision


def _key(request: HttpRequest, kind: str, *parts: Any, per_language: bool = True) -> str | None:
    """A cache key under the current revision; ``None`` (do not cache) without a revision."""
    revision = request_revision(request)
    if revision is None:
        return None
    language = get_language() if per_language else "-"
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"catalog:{revision}:{language}:{kind}:{digest}"


def _cached(key: str | None, build: Callable[[], Any]) -> Any:
    if key is None:
        return build()
    store = caches["default"]
    value = store.get(key)
    if value is None:
        value = build()
        store.set(key, value, settings.CATALOG_CACHE_SECONDS)
    return value


def category_tree(request: HttpRequest) -> CategoryTree:
    """The category tree of the current revision (cached; memoized on the request)."""
    tree = getattr(request, "_catalog_tree", None)
    if tree is None:
        tree = _cached(_key(request, "tree", per_language=False), category_tree_get)
        request._catalog_tree = tree
    return tree


def category_nav_get(*, request: HttpRequest) -> list[dict]:
    """Top-level categories for the site navigation: name, slug and url of each."""
    return _nav(category_tree(request))


def _nav(tree: CategoryTree) -> list[dict]:
    return [{"name": node["name"], "slug": node["slug"], "url": node["url"]} for node in tree.children(None)]


# Whole pages with holes -------------------------------------------------------------------------


@cache
def _holes() -> dict[str, str]:
    # Derived from SECRET_KEY, so catalogue text cannot forge a hole by accident or on purpose.
    digest = salted_hmac("catalog.cache.holes", "page holes").hexdigest()[:24]
    return {name: f"hole{name}{digest}" for name in ("csrf", "next", "links", "messages", "recent", "email")}


def _layout_context(tree: CategoryTree) -> dict:
    """What base.html needs, with holes for everything that belongs to one request."""
    holes = _holes()
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "nav_categories": _nav(tree),
        "csrf_token": holes["csrf"],
        "language_next": holes["next"],
        "header_links_hole": mark_safe(holes["links"]),
        "messages_hole": mark_safe(holes["messages"]),
    }


def _fill_holes(html: str, request: HttpRequest) -> str:
    holes = _holes()
    messages = get_messages(request)
    messages_html = (
        render_to_string("catalog/_site_messages.html", {"messages": messages}) if len(messages) else ""
    )
    # Links first: they may hold a CSRF hole of their own.
    return (
        html.replace(holes["links"], _header_links(request))
        .replace(holes["csrf"], get_token(request))
        .replace(holes["next"], escape(request.get_full_path()))
        .replace(holes["messages"], messages_html)
    )


def _header_links(request: HttpRequest) -> str:
    """The header's account and cart links, rendered fresh for anyone with a session.

    A visitor without a session cookie is anonymous with an empty cart, so the
    links depend only on the language and the path; they are cached for them
    (most first visits, crawlers and load tests). Nothing per visitor is
    cached: a CSRF token in the links is left as a hole.
    """
    # Any CSRF token in the links becomes a hole, filled per request like the page's own.
    render = partial(
        render_to_string, "_header_links.html", {"csrf_token": _holes()["csrf"]}, request=request
    )
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return render()
    path_digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return _cached(f"catalog:header-links:{get_language()}:{path_digest}", render)


def _page_response(*, request: HttpRequest, kind: str, parts: tuple, build: PageBuild) -> HttpResponse:
    """Serve a cached page with its holes filled; raises ``Http404`` when ``build`` finds it hidden."""

    def render() -> str:
        page = build()
        if page is None:
            return _MISSING
        template_name, context = page
        return render_to_string(template_name, context)

    html = _cached(_key(request, kind, *parts), render)
    if html == _MISSING:
        raise Http404("No such page.")
    return HttpResponse(_fill_holes(html, request))


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _with_query(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _title(title: str) -> str:
    return f"{title} | {settings.SHOP_NAME}"


def _summary(text: str) -> str:
    return Truncator(" ".join(strip_tags(text).split())).chars(META_DESCRIPTION_LENGTH)


def _media_url(name: str | None) -> str | None:
    if not name:
        return None
    return ProductImage._meta.get_field("image").storage.url(name)


def _card(product: Product) -> dict:
    return {
        "name": product.name,
        "url": product.get_absolute_url(),
        "from_price": product.from_price,
        "price_varies": product.from_price != product.to_price,
        "in_stock": product.in_stock,
        "image_url": _media_url(product.image_small or product.image_full),
        "image_alt": product.image_alt or product.name,
    }


def _top_slug(tree: CategoryTree, category_id: int) -> str:
    ancestors = tree.ancestors(category_id)
    return ancestors[0]["slug"] if ancestors else ""


# Home -------------------------------------------------------------------------------------------


def home_page(*, request: HttpRequest) -> HttpResponse:
    """The home page: categories, featured products, bestsellers and new arrivals."""
    return _page_response(request=request, kind="home", parts=(), build=partial(_home_build, request=request))


def _home_build(*, request: HttpRequest) -> tuple[str, dict]:
    tree = category_tree(request)
    ids = tree.visible_ids
    context = {
        "categories": [{**node, "subcategories": tree.children(node["id"])} for node in tree.children(None)],
        "featured": [_card(p) for p in product_list_featured(category_ids=ids, limit=HOME_PRODUCT_COUNT)],
        "newest": [_card(p) for p in product_list_newest(category_ids=ids, limit=HOME_PRODUCT_COUNT)],
        "bestsellers": [
            _card(p) for p in product_list_bestsellers(category_ids=ids, limit=HOME_PRODUCT_COUNT)
        ],
        "canonical": _absolute(reverse("catalog:home")),
    }
    return "catalog/home.html", {**_layout_context(tree), **context}


# Listings ---------------------------------------------------------------------------------------


def listing_page(*, request: HttpRequest, filters: ProductFilters, ignored: tuple[str, ...]) -> HttpResponse:
    """The product list: search, filters, sorting and pagination; ``ignored`` names invalid fields."""
    build = partial(_listing_build, request=request, filters=filters, ignored=ignored, category_slug=None)
    return _page_response(request=request, kind="list", parts=(filters, ignored), build=build)


def category_page(
    *, request: HttpRequest, slug: str, filters: ProductFilters, ignored: tuple[str, ...]
) -> HttpResponse:
    """One visible category with its sub-categories' products; raises ``Http404`` for hidden ones."""
    build = partial(_listing_build, request=request, filters=filters, ignored=ignored, category_slug=slug)
    return _page_response(request=request, kind="category", parts=(slug, filters, ignored), build=build)


def _listing_build(
    *, request: HttpRequest, filters: ProductFilters, ignored: tuple[str, ...], category_slug: str | None
) -> tuple[str, dict] | None:
    tree = category_tree(request)
    category = None
    kept = filters
    if category_slug is not None:
        category = tree.get_visible(category_slug)
        if category is None:
            return None
        path = category["url"]
        category_ids = tree.descendant_ids(category["id"])
    else:
        path = reverse("catalog:product_list")
        chosen = tree.get_visible(filters.category) if filters.category else None
        if filters.category and chosen is None:
            ignored = (*ignored, "category")
            kept = replace(filters, category="")
        category_ids = tree.descendant_ids(chosen["id"]) if chosen else tree.visible_ids

    paginator = Paginator(product_list(category_ids=category_ids, filters=kept), settings.CATALOG_PAGE_SIZE)
    page = paginator.get_page(kept.page)
    heading, description = _listing_texts(category, kept)
    base_params = kept.as_params(with_page=False)

    def page_url(number: int) -> str:
        return _with_query(path, base_params + ([("page", str(number))] if number > 1 else []))

    canonical_params = kept.as_params(with_sort=False, with_page=False)
    if page.number > 1:
        canonical_params.append(("page", str(page.number)))
    context = {
        "path": path,
        "heading": heading,
        "title": _title(
            gettext("%(title)s (page %(page)s)") % {"title": heading, "page": page.number}
            if page.number > 1
            else heading
        ),
        "meta_description": description,
        "canonical": _absolute(_with_query(path, canonical_params)),
        "noindex": bool(kept.q),
        "search_query": kept.q,
        "current_category_slug": _top_slug(tree, category["id"]) if category else "",
        "category": category,
        "breadcrumbs": tree.ancestors(category["id"]) if category else [],
        "subcategories": tree.children(category["id"]) if category else [],
        "category_choices": tree.flat() if category is None else [],
        "sort_choices": [
            (value, label) for value, label in SORT_CHOICES if value != Sort.RELEVANCE or kept.q
        ],
        "selected_sort": kept.effective_sort,
        "filters": kept,
        "values": dict(base_params),
        "ignored": [str(ProductFilterForm.base_fields[name].label) for name in ignored],
        "products": [_card(product) for product in page.object_list],
        "count": paginator.count,
        "page_number": page.number,
        "num_pages": paginator.num_pages,
        "previous_url": page_url(page.number - 1) if page.has_previous() else None,
        "next_url": page_url(page.number + 1) if page.has_next() else None,
        "page_links": [
            {"number": number, "url": page_url(number), "current": number == page.number}
            if number != Paginator.ELLIPSIS
            else None
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ]
        if paginator.num_pages > 1
        else [],
        "clear_url": path,
    }
    template_name = "catalog/category_detail.html" if category else "catalog/product_list.html"
    return template_name, {**_layout_context(tree), **context}


def _listing_texts(category: dict | None, filters: ProductFilters) -> tuple[str, str]:
    """Heading and meta description of a listing."""
    if category is not None:
        fallback = gettext("Shop %(category)s at %(shop)s.") % {
            "category": category["name"],
            "shop": settings.SHOP_NAME,
        }
        return category["name"], _summary(category["description"]) or fallback
    heading = (
        gettext("Search results for “%(query)s”") % {"query": filters.q}
        if filters.q
        else gettext("All products")
    )
    description = gettext("Browse the products of %(shop)s: quality goods, fair prices, fast delivery.") % {
        "shop": settings.SHOP_NAME
    }
    return heading, description


# Product page -----------------------------------------------------------------------------------


def product_page(*, request: HttpRequest, slug: str) -> HttpResponse:
    """A product page with its variant choice, add-to-cart form and recommendations.

    Raises ``Http404`` for hidden products. Remembers the product in the
    shopper's recently viewed list when they have a session; no session is
    started just for that, so crawlers and cookie-less clients cost nothing.
    """

    def render() -> dict | str:
        page = _product_build(request=request, slug=slug)
        if page is None:
            return _MISSING
        template_name, context = page
        return {"html": render_to_string(template_name, context), "product_id": context["product"]["id"]}

    # Cached as {"html", "product_id"} under a kind of its own, never mistaken for a bare page.
    page = _cached(_key(request, "product-page", slug), render)
    if page == _MISSING:
        raise Http404("No such page.")
    holes = _holes()
    product_id = page["product_id"]
    html = page["html"].replace(holes["recent"], _recently_viewed_html(request, exclude_id=product_id))
    if holes["email"] in html:
        html = html.replace(holes["email"], escape(_account_email(request)))
    if _has_session(request):
        recently_viewed_record(session=request.session, product_id=product_id)
    return HttpResponse(_fill_holes(html, request))


def _has_session(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _account_email(request: HttpRequest) -> str:
    # Only a visitor with a session can be signed in; the rest cost no query.
    if _has_session(request) and request.user.is_authenticated:
        return request.user.email
    return ""


def _recently_viewed_html(request: HttpRequest, *, exclude_id: int) -> str:
    """The product page's recently viewed section, rendered once per revision, language and list."""
    if not _has_session(request):
        return ""
    ids = tuple(pk for pk in recently_viewed_ids(session=request.session) if pk != exclude_id)
    if not ids:
        return ""

    def render() -> str:
        cards = product_cards_get(request=request, product_ids=ids)[:RECENTLY_VIEWED_COUNT]
        return render_to_string("catalog/_recently_viewed.html", {"products": cards}) if cards else ""

    return _cached(_key(request, "recently-viewed", ids), render)


def recently_viewed_cards_get(
    *, request: HttpRequest, exclude_ids: Collection[int] = (), limit: int = RECENTLY_VIEWED_COUNT
) -> list[dict]:
    """Cards of the shopper's recently viewed products, latest first, without ``exclude_ids``.

    Empty for a visitor without a session. Hidden products are left out. At
    most one query (usually none: cards are cached per revision).
    """
    if not _has_session(request):
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
    keys = {pk: _key(request, "card", pk, per_language=False) for pk in product_ids}
    found = store.get_many([key for key in keys.values() if key is not None])
    cards = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in product_ids if pk not in cards]
    if missing:
        visible = category_tree(request).visible_ids
        fetched = {
            product.pk: _card(product)
            for product in product_list(category_ids=visible).filter(pk__in=missing)
        }
        for pk in missing:
            cards[pk] = fetched.get(pk, _MISSING)
        store.set_many(
            {keys[pk]: cards[pk] for pk in missing if keys[pk] is not None}, settings.CATALOG_CACHE_SECONDS
        )
    return [cards[pk] for pk in product_ids if cards[pk] != _MISSING]


def recommended_cards_get(*, request: HttpRequest, product_ids: Collection[int], limit: int) -> list[dict]:
    """Cards of what to suggest next to ``product_ids`` (a cart's products): one query, never cached.

    See ``catalog.recommendations.product_list_recommended`` for the order.
    """
    if not product_ids:
        return []
    visible = category_tree(request).visible_ids
    return [
        _card(product)
        for product in product_list_recommended(product_ids=product_ids, category_ids=visible, limit=limit)
    ]


def _product_build(*, request: HttpRequest, slug: str) -> tuple[str, dict] | None:
    tree = category_tree(request)
    try:
        product = product_get_visible(slug=slug, category_ids=tree.visible_ids)
    except Http404:
        return None
    storage = ProductImage._meta.get_field("image").storage
    images = [
        {
            "url": _media_url(image.thumbnail_large.name or image.image.name),
            "full_url": storage.url(image.image.name),
            "alt": image.alt_text or product.name,
        }
        for image in product.ordered_images
        if image.image
    ]
    variants = [
        {
            "id": variant.pk,
            "sku": variant.sku,
            "options_label": variant.options_label,
            "price": variant.price,
            "stock": variant.stock,
            "in_stock": variant.in_stock,
            "is_low_stock": variant.is_low_stock,
        }
        for variant in product.active_variants
    ]
    prices = [variant["price"] for variant in variants]
    in_stock_ids = [variant["id"] for variant in variants if variant["in_stock"]]
    url = product.get_absolute_url()
    data = {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "url": url,
        "description": product.description,
        "breadcrumbs": tree.ancestors(product.category_id),
        "images": images,
        "variants": variants,
        "from_price": min(prices),
        "price_varies": min(prices) != max(prices),
        "in_stock": bool(in_stock_ids),
        "default_variant_id": in_stock_ids[0] if in_stock_ids else None,
        "title": _title(product.name),
        "meta_description": _summary(product.description)
        or gettext("Buy %(product)s at %(shop)s.") % {"product": product.name, "shop": settings.SHOP_NAME},
        "canonical": _absolute(url),
    }
    data["structured_data"] = _product_structured_data(data)
    data["sold_out_variants"] = [variant for variant in variants if not variant["in_stock"]]
    data["back_in_stock_url"] = reverse("catalog:back_in_stock_request", kwargs={"slug": product.slug})
    _own_card_store(request, product, data)
    recommended = list(
        product_list_recommended(
            product_ids=[product.pk], category_ids=tree.visible_ids, limit=RECOMMENDATION_COUNT
        )
    )
    holes = _holes()
    context = {
        "product": data,
        "current_category_slug": _top_slug(tree, product.category_id),
        "recommendations": [_card(item) for item in recommended],
        "recommendations_also_bought": any(
            item.pin_position is not None or item.also_bought_score is not None for item in recommended
        ),
        "category_name": tree.node(product.category_id)["name"],
        "recently_viewed_hole": mark_safe(holes["recent"]),
        "account_email_hole": holes["email"],
    }
    return "catalog/product_detail.html", {**_layout_context(tree), **context}


def _own_card_store(request: HttpRequest, product: Product, data: dict) -> None:
    """Cache the product's card as listings show it, for recently viewed lists (no query)."""
    key = _key(request, "card", product.pk, per_language=False)
    if key is None:
        return
    first = product.ordered_images[0] if product.ordered_images else None
    card = {
        "name": product.name,
        "url": data["url"],
        "from_price": data["from_price"],
        "price_varies": data["price_varies"],
        "in_stock": data["in_stock"],
        "image_url": _media_url((first.thumbnail_small.name or first.image.name) if first else None),
        "image_alt": (first.alt_text if first else "") or product.name,
    }
    caches["default"].set(key, card, settings.CATALOG_CACHE_SECONDS)


def _absolute_media(url: str) -> str:
    return url if "://" in url else _absolute(url)


def _product_structured_data(data: dict) -> dict:
    """schema.org Product with one Offer per active variant."""
    offers = [
        {
            "@type": "Offer",
            "sku": variant["sku"],
            "price": str(variant["price"]),
            "priceCurrency": settings.SHOP_CURRENCY,
            "availability": "https://schema.org/InStock"
            if variant["in_stock"]
            else "https://schema.org/OutOfStock",
            "url": data["canonical"],
        }
        for variant in data["variants"]
    ]
    structured = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": data["name"],
        "description": data["description"] or data["name"],
        "sku": data["variants"][0]["sku"],
        "url": data["canonical"],
        "offers": offers[0] if len(offers) == 1 else offers,
    }
    if data["images"]:
        structured["image"] = [_absolute_media(image["full_url"]) for image in data["images"]]
    return structured
