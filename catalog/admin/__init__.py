"""The catalogue admin: products with variants and photos, the category tree, back-in-stock requests.

Django's admin autodiscovery imports this package; importing the modules
below registers their model admins.

- ``product``: the product list and page (columns, search, photo files, activate/deactivate)
- ``inlines``: the product page's variants, photos and recommendation pins and hides
- ``filters``: the product list's category and stock filters
- ``category``: the category tree
- ``back_in_stock``: shoppers' back-in-stock requests and the variants they wait for
- ``forms``: the product, variant, photo and category forms (the category tree picker)
- ``expressions``, ``thumbnails``: helpers the modules above share
"""

from catalog.admin.back_in_stock import BackInStockRequestAdmin, BackInStockVariantAdmin
from catalog.admin.category import CategoryAdmin
from catalog.admin.product import ProductAdmin

__all__ = ["BackInStockRequestAdmin", "BackInStockVariantAdmin", "CategoryAdmin", "ProductAdmin"]
