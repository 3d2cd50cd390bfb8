"""A product photo may belong to one of its options: the product page shows it while that option is chosen."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_product_max_per_order")]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                help_text="Show this photo first when a shopper chooses this option. Leave empty for any option.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="images",
                to="catalog.variant",
                verbose_name="option",
            ),
        ),
    ]
