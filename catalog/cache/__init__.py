"""Storefront pages rendered once per catalogue revision and language, then served from the cache.

``base`` holds the machinery (keys under the catalogue revision, pages with
holes for per-request parts); ``listings`` the home page and product lists;
``products`` the product page; ``cards`` the product cards other pages show.
"""

from catalog.cache.base import category_nav_get, category_tree, request_revision
from catalog.cache.cards import product_cards_get, recently_viewed_cards_get, recommended_cards_get
from catalog.cache.listings import category_page, home_page, listing_page
from catalog.cache.products import product_page

__all__ = [
    "category_nav_get",
    "category_page",
    "category_tree",
    "home_page",
    "listing_page",
    "product_cards_get",
    "product_page",
    "recently_viewed_cards_get",
    "recommended_cards_get",
    "request_revision",
]
