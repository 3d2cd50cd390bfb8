"""Payments in the staff roles (shop/migrations/0004_staff_groups.py).

- Order managers see payments, refunds and gateway events; they refund with the
  orders.refund_order permission they already have.
- Support agents see payments and refunds (to answer "did my payment go through?").

Only adds: groups keep what an administrator gave them since.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Order managers": ["view_payment", "view_refund", "view_paymentevent"],
    "Support agents": ["view_payment", "view_refund"],
}


def roles_extend(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="payments", codename__in=codenames
        )
        group.permissions.add(*permissions)


def roles_shrink(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(schema_editor.connection.alias).filter(name__in=list(ROLES)):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="payments"))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("shop", "0004_staff_groups"),
    ]

    operations = [migrations.RunPython(roles_extend, roles_shrink)]
