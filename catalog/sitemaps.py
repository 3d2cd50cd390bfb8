"""The sitemap: an index (/sitemap.xml) of sections that list the home page, every visible
category and every visible product, each once, with its address in every language.

Products are paged by ranges of ids (``CATALOG_SITEMAP_PAGE_SIZE`` ids a page), so a page's
address stays the same as the catalogue grows and a page deep in a million products reads only
its own rows. A range whose products are all hidden or deleted is an empty page. Each index and
section page is cached under the catalogue revision: a catalogue change shows at once, and a
repeated request costs the revision query alone.

URLs are built from settings.SITE_URL, the same origin as the canonical links, whatever host
the sitemap was requested on. Each page has one ``<url>`` per address: the plain one (the
x-default) and its ``?lang=`` address in each language (shop/i18n.py), each with the full set of
``xhtml:link`` alternates, as search engines ask; a products page of N ids thus lists up to
N * (languages + 1) URLs.

A products page past the last one is a 404 checked against the page count, itself cached under
the revision, so probing page numbers stores nothing.
"""

import math
from functools import partial

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_safe

from catalog.cache.base import (
    absolute_url,
    cache_key,
    category_tree,
    request_cache_get_or_build,
)
from catalog.selectors import product_last_id_get, product_sitemap_list
from shop.i18n import language_alternates

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
CONTENT_TYPE = "application/xml; charset=utf-8"


def _product_page_count_get() -> int:
    return math.ceil(product_last_id_get() / settings.CATALOG_SITEMAP_PAGE_SIZE)


def _product_page_count(request: HttpRequest) -> int:
    return request_cache_get_or_build(
        request, cache_key(request, "sitemap", "count", per_language=False), _product_page_count_get
    )


def _url_entry(location: str, lastmod: str | None = None) -> str:
    """One ``<url>`` for each address of the page (every language, then the plain x-default)."""
    alternates = language_alternates(location)
    links = "".join(
        f'<xhtml:link rel="alternate" hreflang="{hreflang}" href="{escape(href)}"/>'
        for hreflang, href in alternates
    )
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return "".join(
        f"<url><loc>{escape(href)}</loc>{modified}{links}</url>\n" for _hreflang, href in alternates
    )


def _urlset(entries: list[str]) -> str:
    opening = f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">'
    return f"{XML_DECLARATION}{opening}\n{''.join(entries)}</urlset>\n"


def _index_xml(request: HttpRequest) -> str:
    sections = [reverse("sitemap_pages")] + [
        reverse("sitemap_products", kwargs={"page": page})
        for page in range(1, _product_page_count(request) + 1)
    ]
    entries = "".join(f"<sitemap><loc>{escape(absolute_url(path))}</loc></sitemap>\n" for path in sections)
    return f'{XML_DECLARATION}<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n'


def _pages_xml(request: HttpRequest) -> str:
    tree = category_tree(request)
    paths = [reverse("catalog:home"), *(node["url"] for node in tree.flat())]
    return _urlset([_url_entry(absolute_url(path)) for path in paths])


def _products_xml(request: HttpRequest, page: int) -> str:
    tree = category_tree(request)
    size = settings.CATALOG_SITEMAP_PAGE_SIZE
    products = product_sitemap_list(
        category_ids=tree.visible_ids, id_after=(page - 1) * size, id_upto=page * size
    )
    # One reverse for the page, not one per product: slugs are plain ASCII, as the URL pattern requires.
    prefix, suffix = absolute_url(reverse("catalog:product_detail", kwargs={"slug": "slug"})).rsplit(
        "slug", 1
    )
    return _urlset(
        [
            _url_entry(f"{prefix}{product.slug}{suffix}", f"{product.updated_at:%Y-%m-%d}")
            for product in products.iterator(chunk_size=2000)
        ]
    )


def _xml_response(request: HttpRequest, *parts: object, build) -> HttpResponse:
    xml = request_cache_get_or_build(
        request, cache_key(request, "sitemap", *parts, per_language=False), build
    )
    return HttpResponse(xml, content_type=CONTENT_TYPE)


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: the pages section and every products page."""
    return _xml_response(request, "index", build=partial(_index_xml, request))


@require_safe
def sitemap_pages(request: HttpRequest) -> HttpResponse:
    """The home page and every visible category."""
    return _xml_response(request, "pages", build=partial(_pages_xml, request))


@require_safe
def sitemap_products(request: HttpRequest, page: int) -> HttpResponse:
    """The visible products of one range of ids; 404 for a page past the last product."""
    if not 1 <= page <= _product_page_count(request):
        # Not cached: a miss per probed number would fill the cache.
        raise Http404("No such sitemap page.")
    return _xml_response(request, "products", page, build=partial(_products_xml, request, page))
