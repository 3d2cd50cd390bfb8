"""Index each listing sort within a category, so a category page reads its own categories' rows only.

A category page reads the first rows of each of its categories on these and
merges them (catalog.paging); the global listing indexes serve the whole
catalogue's list. Built concurrently: a large catalogue keeps taking orders
while they build.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0012_search_document_ngrams"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["category", "name", "id"],
                name="catalog_product_cat_name",
            ),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["category", "listed_price", "name", "id"],
                name="catalog_product_cat_price",
            ),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["category", "-listed_price", "name", "id"],
                name="catalog_product_cat_price_dn",
            ),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["category", "created_at", "id"],
                name="catalog_product_cat_newest",
            ),
        ),
    ]
