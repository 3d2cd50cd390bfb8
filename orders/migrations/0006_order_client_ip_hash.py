"""Checkout counts the orders of the last hour per client IP (a keyed hash) and per email address."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_order_email_canonical")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="client_ip_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="client IP hash"),
        ),
        # The composite index serves the guest-order lookups by address as well.
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["email_canonical", "created_at"], name="orders_order_email_recent"),
        ),
        migrations.RemoveIndex(model_name="order", name="orders_order_email_canonical"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["client_ip_hash", "created_at"], name="orders_order_client_ip_recent"),
        ),
    ]
