"""Order managers, who edit shipping methods, also edit the shipping zones and rates.

Only adds, and only to the group when it exists (shop/migrations/0004_staff_groups.py made it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    f"{action}_{model}"
    for model in ("shippingzone", "shippingrate")
    for action in ("add", "change", "delete", "view")
]


def permissions_grant(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    # On a fresh database the permissions come after `migrate` (post_migrate): make them now.
    app_config = apps.get_app_config("orders")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(using).filter(name="Order managers").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.using(using).filter(content_type__app_label="orders", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0017_shipping_zones_and_rates"),
        ("shop", "0004_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(permissions_grant, migrations.RunPython.noop)]
