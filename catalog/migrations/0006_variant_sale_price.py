"""Sale prices on variants, each with an optional start and end."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_product_image_variant")]

    operations = [
        migrations.AddField(
            model_name="variant",
            name="sale_price",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="sale price"
            ),
        ),
        migrations.AddField(
            model_name="variant",
            name="sale_starts_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sale starts"),
        ),
        migrations.AddField(
            model_name="variant",
            name="sale_ends_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sale ends"),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sale_price__isnull", True),
                    models.Q(("sale_price__gte", 0), ("sale_price__lt", models.F("price"))),
                    _connector="OR",
                ),
                name="catalog_variant_sale_price_below_price",
                violation_error_message="The sale price must be below the price.",
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sale_starts_at__isnull", True),
                    ("sale_ends_at__isnull", True),
                    ("sale_ends_at__gt", models.F("sale_starts_at")),
                    _connector="OR",
                ),
                name="catalog_variant_sale_ends_after_start",
                violation_error_message="The sale must end after it starts.",
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sale_price__isnull", False),
                    models.Q(("sale_ends_at__isnull", True), ("sale_starts_at__isnull", True)),
                    _connector="OR",
                ),
                name="catalog_variant_sale_window_has_price",
                violation_error_message="Enter a sale price, or leave the sale times empty.",
            ),
        ),
    ]
