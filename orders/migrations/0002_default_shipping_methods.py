from decimal import Decimal

from django.db import migrations
from django.utils.translation import gettext_noop

# The names are msgids: templates show them translated.
DEFAULTS = [
    {"code": "standard", "name": gettext_noop("Standard"), "price": Decimal("12.00"), "free_above": Decimal("199.00"), "position": 0},
    {"code": "express", "name": gettext_noop("Express"), "price": Decimal("25.00"), "free_above": None, "position": 1},
]


def create_defaults(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    for values in DEFAULTS:
        ShippingMethod.objects.get_or_create(code=values["code"], defaults=values)


def remove_defaults(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    ShippingMethod.objects.filter(code__in=[values["code"] for values in DEFAULTS], orders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
