"""Users are found by the canonical form of their email address (shop.identity).

The column is filled for existing users before it becomes unique; it replaces the
case-insensitive unique constraint, which PostgreSQL's case mapping made unsafe.
"""

from django.db import migrations, models

from shop.identity import email_canonical


def _backfill(apps, schema_editor) -> None:
    user_model = apps.get_model("shop", "User")
    for user in user_model.objects.only("pk", "email").iterator():
        user_model.objects.filter(pk=user.pk).update(email_canonical=email_canonical(user.email))


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_user_shared_postal_address")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(
                default="", editable=False, max_length=254, verbose_name="canonical email address"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(
                editable=False, max_length=254, unique=True, verbose_name="canonical email address"
            ),
        ),
        migrations.RemoveConstraint(model_name="user", name="shop_user_email_ci_unique"),
    ]
