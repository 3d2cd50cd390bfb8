"""Order managers work the after-sales queue; support agents may read it.

Only adds, and only to groups that exist (shop/migrations/0004_staff_groups.py made them).
Refunds also need orders.refund_order, which order managers have already.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("aftersalesrequest", "aftersalesline", "aftersalesphoto", "aftersalesevent")
GRANTS = {
    "Order managers": [f"{action}_{model}" for model in MODELS for action in ("change", "view")],
    "Support agents": [f"view_{model}" for model in MODELS],
}


def permissions_grant(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    # On a fresh database the permissions come after `migrate` (post_migrate): make them now.
    app_config = apps.get_app_config("aftersales")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.using(using).filter(
                    content_type__app_label="aftersales", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0001_initial"),
        ("shop", "0004_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(permissions_grant, migrations.RunPython.noop)]
