"""The home page and the product listings (all products, search, categories), cached whole."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext

from catalog.bestsellers import product_list_bestsellers
from catalog.cache.base import (
    canonical_url,
    category_tree,
    layout_context,
    meta_summary,
    page_response,
    page_title,
    product_cards,
    request_moment,
    top_category_slug,
    url_with_query,
)
from catalog.forms import SORT_CHOICES, ProductFilterForm
from catalog.paging import product_page_get
from catalog.selectors import (
    ProductFilters,
    Sort,
    product_list_featured,
    product_list_newest,
)

HOME_PRODUCT_COUNT = 8

# Home -------------------------------------------------------------------------------------------


def home_page(*, request: HttpRequest) -> HttpResponse:
    """The home page: categories, featured products, bestsellers and new arrivals."""
    return page_response(request=request, kind="home", parts=(), build=partial(_home_build, request=request))


def _home_build(*, request: HttpRequest) -> tuple[str, dict]:
    tree = category_tree(request)
    ids = tree.visible_ids
    at = request_moment(request)
    # Each product once on the page: featured first, then bestsellers, then the newest of the rest.
    featured = list(product_list_featured(category_ids=ids, limit=HOME_PRODUCT_COUNT, at=at))
    shown = [product.pk for product in featured]
    bestsellers = list(
        product_list_bestsellers(category_ids=ids, limit=HOME_PRODUCT_COUNT, exclude_ids=shown, at=at)
    )
    shown += [product.pk for product in bestsellers]
    newest = product_list_newest(category_ids=ids, limit=HOME_PRODUCT_COUNT, exclude_ids=shown, at=at)
    context = {
        "categories": [{**node, "subcategories": tree.children(node["id"])} for node in tree.children(None)],
        "featured": product_cards(featured),
        "newest": product_cards(newest),
        "bestsellers": product_cards(bestsellers),
        "canonical": canonical_url(request, reverse("catalog:home")),
    }
    return "catalog/home.html", {**layout_context(tree), **context}


# Listings ---------------------------------------------------------------------------------------


def listing_page(*, request: HttpRequest, filters: ProductFilters, ignored: tuple[str, ...]) -> HttpResponse:
    """The product list: search, filters, sorting and pagination; ``ignored`` names invalid fields."""
    build = partial(_listing_build, request=request, filters=filters, ignored=ignored, category_slug=None)
    return page_response(request=request, kind="list", parts=(filters, ignored), build=build)


def category_page(
    *, request: HttpRequest, slug: str, filters: ProductFilters, ignored: tuple[str, ...]
) -> HttpResponse:
    """One visible category with its sub-categories' products; raises ``Http404`` for hidden ones."""
    build = partial(_listing_build, request=request, filters=filters, ignored=ignored, category_slug=slug)
    return page_response(request=request, kind="category", parts=(slug, filters, ignored), build=build)


def _listing_build(
    *, request: HttpRequest, filters: ProductFilters, ignored: tuple[str, ...], category_slug: str | None
) -> tuple[str, dict] | None:
    tree = category_tree(request)
    category = chosen = None
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

    # A category's subtree (its page, or the list filtered to it) is read category by category.
    subtree = category is not None or chosen is not None
    page = product_page_get(
        category_ids=category_ids, filters=kept, at=request_moment(request), subtree=subtree
    )
    heading, description = _listing_texts(category, kept)
    base_params = kept.as_params(with_page=False)

    def link(target: tuple[str, str] | None) -> str | None:
        if target is None:
            return None
        return url_with_query(path, base_params + ([target] if target != ("page", "1") else []))

    canonical_params = kept.as_params(with_sort=False, with_page=False)
    canonical_params += [
        pair for pair in kept.as_params(with_page=True) if pair[0] in ("page", "after", "before")
    ]
    if page.number is not None and page.number > 1:
        title = gettext("%(title)s (page %(page)s)") % {"title": heading, "page": page.number}
    elif page.number is None:
        title = gettext("%(title)s (more products)") % {"title": heading}
    else:
        title = heading
    context = {
        "path": path,
        "heading": heading,
        "title": page_title(title),
        "meta_description": description,
        "canonical": canonical_url(request, url_with_query(path, canonical_params)),
        "noindex": bool(kept.q),
        "search_query": kept.q,
        "current_category_slug": top_category_slug(tree, category["id"]) if category else "",
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
        "products": product_cards(page.products),
        "count": page.count,
        "count_more": page.count_more,
        "page_number": page.number,
        "num_pages": page.num_pages,
        "page_is_last": page.is_last,
        "previous_url": link(page.previous),
        "next_url": link(page.next),
        "first_url": link(("page", "1")) if page.number != 1 else None,
        "last_url": link(("page", "last")) if page.keyset and not page.is_last else None,
        "page_links": [
            {"number": number, "url": link(("page", str(number))), "current": number == page.number}
            if number is not None
            else None
            for number in _page_numbers(page.number, page.num_pages)
        ]
        if page.num_pages > 1 or page.keyset
        else [],
        "clear_url": path,
    }
    template_name = "catalog/category_detail.html" if category else "catalog/product_list.html"
    return template_name, {**layout_context(tree), **context}


def _page_numbers(current: int | None, total: int) -> list[int | None]:
    """Page numbers to link, None for a gap: the first, the last and two either side of ``current``."""
    around = set(range(current - 2, current + 3)) if current is not None else set()
    shown = sorted(n for n in {1, total} | around if 1 <= n <= total)
    numbers: list[int | None] = []
    for n in shown:
        if numbers and numbers[-1] is not None and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def _listing_texts(category: dict | None, filters: ProductFilters) -> tuple[str, str]:
    """Heading and meta description of a listing."""
    if category is not None:
        fallback = gettext("Shop %(category)s at %(shop)s.") % {
            "category": category["name"],
            "shop": settings.SHOP_NAME,
        }
        return category["name"], meta_summary(category["description"]) or fallback
    heading = (
        gettext("Search results for “%(query)s”") % {"query": filters.q}
        if filters.q
        else gettext("All products")
    )
    description = gettext("Browse the products of %(shop)s: quality goods, fair prices, fast delivery.") % {
        "shop": settings.SHOP_NAME
    }
    return heading, description
