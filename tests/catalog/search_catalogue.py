"""A catalogue big enough for the planner to choose as in production, built with set-based SQL."""

from django.db import connection

from catalog.models import Category
from tests.factories import CategoryFactory

# (name, description) patterns; {n} is the product number. Every third product is cotton,
# a few in every hundred are Chinese teas, so common and rare words both occur.
_PATTERNS = [
    ("Soft Cotton Towel {n}", "A soft cotton towel, woven for daily use."),
    ("Oak Tea Tray {n}", "Solid oak, oiled by hand. Holds a teapot and four cups."),
    ("Linen Napkin {n}", "Washed linen that softens with every wash."),
    ("Cotton Apron {n}", "Heavy cotton with deep pockets."),
    ("Glass Teapot {n}", "Borosilicate glass that shows the leaves unfold."),
    ("Clay Mug {n}", "Stoneware mug with a matte glaze."),
    ("Cotton Tote {n}", "Canvas tote for market days."),
    ("Bamboo Whisk {n}", "Hand-split bamboo for whisking matcha."),
    ("Steel Kettle {n}", "Brushed steel, boils water quickly."),
    ("西湖龙井 Longjing {n}", "西湖龙井，产自浙江杭州，香气清雅，回味甘甜。Green tea from Hangzhou."),  # noqa: RUF001 (Chinese punctuation)
    ("Wool Throw {n}", "Merino wool throw for the sofa."),
    ("铁观音 Tieguanyin {n}", "铁观音，产自福建安溪，兰花香。Oolong from Anxi."),  # noqa: RUF001 (Chinese punctuation)
    ("Porcelain Cup {n}", "White porcelain cup, 白瓷杯, thin walled."),
    ("Cedar Box {n}", "A cedar box for keeping leaves dry."),
    ("祁门红茶 Keemun {n}", "祁门红茶，产自安徽祁门。Black tea with a smoky note."),  # noqa: RUF001 (Chinese punctuation)
    ("Ceramic Bowl {n}", "Glazed ceramic bowl."),
]


def search_catalogue_build(*, products: int) -> Category:
    """``products`` active products in one category, each with two active variants, as after autovacuum.

    SKUs are ``CAT-<n>-A`` and ``CAT-<n>-B``.
    """
    category = CategoryFactory(slug="search-load")
    names = [name for name, _ in _PATTERNS]
    descriptions = [description for _, description in _PATTERNS]
    with connection.cursor() as cursor:
        # Writing 30,000 search documents takes seconds; on a busy machine, more than the
        # shop's statement timeout allows a request.
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute(
            """
            INSERT INTO catalog_product (name, slug, description, category_id, is_active, is_featured,
                                         return_exemption, created_at, updated_at)
            SELECT replace((%(names)s::text[])[1 + n %% %(count)s], '{n}', n::text),
                   'load-' || n, (%(descriptions)s::text[])[1 + n %% %(count)s], %(category)s,
                   true, false, '', now(), now()
              FROM generate_series(1, %(products)s) AS n
            """,
            {
                "names": names,
                "descriptions": descriptions,
                "count": len(_PATTERNS),
                "category": category.pk,
                "products": products,
            },
        )
        cursor.execute(
            """
            INSERT INTO catalog_variant (product_id, sku, options, price, stock, weight_grams,
                                         is_active, position, created_at, updated_at)
            SELECT p.id, 'CAT-' || substr(p.slug, 6) || '-' || letter, '{}', 10 + p.id %% 90, p.id %% 7,
                   100, true, 0, now(), now()
              FROM catalog_product p CROSS JOIN (VALUES ('A'), ('B')) AS letters(letter)
             WHERE p.category_id = %(category)s
            """,
            {"category": category.pk},
        )
        # Autovacuum would have moved the index's pending list into the tree by the time a shopper
        # searches; a test cannot wait for it.
        cursor.execute("SELECT gin_clean_pending_list('catalog_product_search_gin'::regclass)")
        cursor.execute("ANALYZE catalog_product")
        cursor.execute("ANALYZE catalog_variant")
    return category
