"""The models of the catalogue, one module per responsibility; import them from here.

- ``categories``: ``Category``, the category tree.
- ``products``: ``Product`` and ``Variant`` (SKU, options, price, sale, stock),
  ``ReturnExemption`` and ``LOW_STOCK_THRESHOLD``.
- ``images``: ``ProductImage`` and ``product_image_path``, where its files go (the
  migrations name it here).
- ``revisions``: ``CatalogRevision`` and ``CatalogScheduledChange``, what cached
  catalogue pages are keyed by.
- ``recommendations``: ``ProductRecommendation``, ``ProductPopularity``,
  ``RecommendationOverride`` and the ``BestsellerProduct`` proxy.
- ``back_in_stock``: ``BackInStockRequest`` and the ``BackInStockVariant`` proxy.
"""

from catalog.models.back_in_stock import BackInStockRequest, BackInStockVariant
from catalog.models.categories import Category
from catalog.models.images import ProductImage, product_image_path
from catalog.models.products import LOW_STOCK_THRESHOLD, Product, ReturnExemption, Variant
from catalog.models.recommendations import (
    BestsellerProduct,
    ProductPopularity,
    ProductRecommendation,
    RecommendationOverride,
)
from catalog.models.revisions import CatalogRevision, CatalogScheduledChange

__all__ = [
    "LOW_STOCK_THRESHOLD",
    "BackInStockRequest",
    "BackInStockVariant",
    "BestsellerProduct",
    "CatalogRevision",
    "CatalogScheduledChange",
    "Category",
    "Product",
    "ProductImage",
    "ProductPopularity",
    "ProductRecommendation",
    "RecommendationOverride",
    "ReturnExemption",
    "Variant",
    "product_image_path",
]
