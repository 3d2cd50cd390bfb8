"""The home page and the product listings (all products, search, categories), cached whole."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext

from catalog.bestsellers import product_list_bestsellers
from catalog.cache.base import (
    absolute_url,
    category_tree,
    layout_context,
    meta_summary,
    page_response,
    page_title,
    product_card,
    request_moment,
    top_category_slug,
    url_with_query,
)
from catalog.forms import SORT_CHOICES, ProductFilterForm
from catalog.selectors import (
    ProductFilters,
    Sort,
    product_list,
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
        "featured": [product_card(p) for p in featured],
        "newest": [product_card(p) for p in newest],
        "bestsellers": [product_card(p) for p in bestsellers],
        "canonical": absolute_url(reverse("catalog:home")),
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

    paginator = Paginator(
        product_list(category_ids=category_ids, filters=kept, at=request_moment(request)),
        settings.CATALOG_PAGE_SIZE,
    )
    page = paginator.get_page(kept.page)
    heading, description = _listing_texts(category, kept)
    base_params = kept.as_params(with_page=False)

    def page_url(number: int) -> str:
        return url_with_query(path, base_params + ([("page", str(number))] if number > 1 else []))

    canonical_params = kept.as_params(with_sort=False, with_page=False)
    if page.number > 1:
        canonical_params.append(("page", str(page.number)))
    context = {
        "path": path,
        "heading": heading,
        "title": page_title(
            gettext("%(title)s (page %(page)s)") % {"title": heading, "page": page.number}
            if page.number > 1
            else heading
        ),
        "meta_description": description,
        "canonical": absolute_url(url_with_query(path, canonical_params)),
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
        "products": [product_card(product) for product in page.object_list],
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
    return template_name, {**layout_context(tree), **context}


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
