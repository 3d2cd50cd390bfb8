"""Storefront pages: whole pages come from ``catalog.cache``, which fills in the
per-request parts (CSRF token, header links, messages) on every request."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from catalog import cache
from catalog.forms import product_filters_parse


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return cache.home_page(request=request)


@require_safe
def product_list(request: HttpRequest) -> HttpResponse:
    filters, ignored = product_filters_parse(request.GET)
    return cache.listing_page(request=request, filters=filters, ignored=ignored)


@require_safe
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    filters, ignored = product_filters_parse(request.GET, with_category=False)
    return cache.category_page(request=request, slug=slug, filters=filters, ignored=ignored)


@require_safe
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return cache.product_page(request=request, slug=slug)
