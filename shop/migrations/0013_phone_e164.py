"""Phones of customers' profiles in E.164, as the phone rule (shop.phones) now stores them.

Each phone the rule accepts, read in the row's own country, is rewritten; the others stay
as typed and still display. Safe to run again.
"""

from django.db import migrations, models

from shop.phones import phone_rows_normalise


def normalise(apps, schema_editor):
    phone_rows_normalise(model=apps.get_model("shop", "User"))


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0012_address_district_and_division_codes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=models.CharField(blank=True, max_length=32, verbose_name='phone'),
        ),
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
