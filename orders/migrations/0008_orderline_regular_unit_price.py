"""An order line keeps the regular price when a sale price was paid, so the order can show "was"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_order_confirmed_at")]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="regular_unit_price",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="regular unit price"
            ),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("regular_unit_price__isnull", True),
                    ("regular_unit_price__gt", models.F("unit_price")),
                    _connector="OR",
                ),
                name="orders_line_regular_price_above_unit_price",
            ),
        ),
    ]
