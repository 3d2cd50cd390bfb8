"""/sitemap.xml: the home page, visible categories and visible products.

URLs are built from settings.SITE_URL, the same origin as the canonical links,
whatever host the sitemap was requested on.
"""

from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog.selectors import CategoryTree, category_tree_get, product_sitemap_list


class _ShopSitemap(Sitemap):
    @property
    def protocol(self) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    @cached_property
    def tree(self) -> CategoryTree:
        return category_tree_get()


class HomeSitemap(_ShopSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["catalog:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class CategorySitemap(_ShopSitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self) -> list[dict]:
        return self.tree.flat()

    def location(self, item: dict) -> str:
        return item["url"]


class ProductSitemap(_ShopSitemap):
    changefreq = "daily"
    priority = 0.8

    @cached_property
    def _products(self) -> list:
        return list(product_sitemap_list(category_ids=self.tree.visible_ids))

    def items(self) -> list:
        return self._products

    def lastmod(self, item) -> object:
        return item.updated_at


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "products": ProductSitemap}
