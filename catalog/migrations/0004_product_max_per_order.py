"""A staff-set cap on the units of a product one order may hold (blank: the shop's default)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_recommendations")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="max_per_order",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "How many units of this product, all variants together, one order may hold. "
                    "Leave blank for the shop's default."
                ),
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="maximum per order",
            ),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_per_order__isnull", True), ("max_per_order__gte", 1), _connector="OR"),
                name="catalog_product_max_per_order_positive",
            ),
        ),
    ]
