"""Guest orders are matched to an account by the canonical form of their email (shop.identity)."""

from django.db import migrations, models

from shop.identity import email_canonical


def _backfill(apps, schema_editor) -> None:
    order_model = apps.get_model("orders", "Order")
    for order in order_model.objects.exclude(email="").only("pk", "email").iterator():
        order_model.objects.filter(pk=order.pk).update(email_canonical=email_canonical(order.email))


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_order_shared_postal_address")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="email_canonical",
            field=models.CharField(
                blank=True, editable=False, max_length=254, verbose_name="canonical email address"
            ),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="order", name="orders_order_email_upper"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["email_canonical"], name="orders_order_email_canonical"),
        ),
    ]
