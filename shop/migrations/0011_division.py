"""Mainland China's divisions, loaded from the committed data files (shop/data/divisions).

The load matches rows by code, so it is safe to run again; a later data release adds a
migration that calls the same loader.
"""

import django.db.models.deletion
from django.db import migrations, models

from shop.divisions import division_rows_load


def load(apps, schema_editor):
    division_rows_load(model=apps.get_model("shop", "Division"))


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0010_rate_limit_take'),
    ]

    operations = [
        migrations.CreateModel(
            name='Division',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=6, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('level', models.CharField(choices=[('province', 'Province'), ('city', 'City'), ('district', 'District')], max_length=8, verbose_name='level')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='shop.division', to_field='code', verbose_name='parent')),
            ],
            options={
                'verbose_name': 'administrative division',
                'verbose_name_plural': 'administrative divisions',
                'ordering': ['code'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('code__regex', '^[0-9]{2}$'), ('level', 'province'), ('parent__isnull', True)), models.Q(('code__regex', '^[0-9]{4}$'), ('level', 'city'), ('parent__isnull', False)), models.Q(('code__regex', '^[0-9]{6}$'), ('level', 'district'), ('parent__isnull', False)), _connector='OR'), name='shop_division_level_shape')],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
