"""Promotions in the staff roles (the groups of shop/migrations/0004_staff_groups.py).

- Catalogue managers run the promotions: coupons (one by one, or generated in bulk and
  downloaded), automatic promotions and their tiers; they read customers' coupon uses.
- Order managers and support agents read coupons and promotions, to answer a customer whose
  code did not apply or to explain an order's discount; they change none.

Only adds, to groups that exist: an administrator's later changes are kept. Going back takes
away only what this migration gave.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RUNNING = [
    f"{action}_{model}"
    for model in ("coupon", "promotion", "promotiontier")
    for action in ("add", "change", "delete", "view")
]
READING = ["view_coupon", "view_promotion", "view_promotiontier"]

ROLES = {
    "Catalogue managers": [*RUNNING, "view_couponcustomeruse"],
    "Order managers": READING,
    "Support agents": READING,
}


def _permissions(apps, using: str, codenames: list[str]):
    Permission = apps.get_model("auth", "Permission")
    found = list(
        Permission.objects.using(using).filter(content_type__app_label="promotions", codename__in=codenames)
    )
    if len(found) != len(codenames):
        missing = set(codenames) - {permission.codename for permission in found}
        raise LookupError(f"Permissions {sorted(missing)} do not exist; the roles need updating.")
    return found


def permissions_grant(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    # On a fresh database the permissions are made only after `migrate` (post_migrate).
    app_config = apps.get_app_config("promotions")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.using(using).filter(name__in=list(ROLES)):
        group.permissions.add(*_permissions(apps, using, ROLES[group.name]))


def permissions_revoke(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(using).filter(name__in=list(ROLES)):
        group.permissions.remove(
            *Permission.objects.using(using).filter(
                content_type__app_label="promotions", codename__in=ROLES[group.name]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0001_initial"),
        ("shop", "0004_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(permissions_grant, permissions_revoke)]
