"""Staff confirm cash-on-delivery orders; the cancel job cancels those left unconfirmed too long."""

from django.db import migrations, models
from django.db.models import F


def _confirm_existing(apps, schema_editor) -> None:
    # Orders placed before confirmation existed were handled by hand: count them as confirmed
    # when they were placed, so the first run of the cancel job leaves them alone.
    order_model = apps.get_model("orders", "Order")
    order_model.objects.filter(payment_method="cod", confirmed_at__isnull=True).update(
        confirmed_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_order_client_ip_hash")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed at"),
        ),
        migrations.RunPython(_confirm_existing, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="orderevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("placed", "Placed"),
                    ("confirmed", "Confirmed"),
                    ("paid", "Payment received"),
                    ("shipped", "Shipped"),
                    ("delivered", "Delivered"),
                    ("cancelled", "Cancelled"),
                    ("restocked", "Stock returned"),
                    ("refunded", "Refunded"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
    ]
