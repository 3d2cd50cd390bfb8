"""Staff roles as groups: give a staff member one (or more) in the admin instead of single permissions.

- Catalogue managers: everything in the catalogue; orders read-only.
- Order managers: orders (change, and mark paid / cancel / refund), shipping methods, order
  emails read-only; the catalogue read-only, so no price changes.
- Support agents: tickets and their messages (no deleting); orders and products read-only;
  no catalogue changes, no refunds.

Only adds: groups that exist keep the permissions an administrator gave them since.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORDER_READING = [
    ("orders", "view_order"),
    ("orders", "view_orderline"),
    ("orders", "view_orderevent"),
]
CATALOGUE_READING = [
    ("catalog", "view_category"),
    ("catalog", "view_product"),
    ("catalog", "view_variant"),
    ("catalog", "view_productimage"),
]

# Each role: explicit (app, codename) pairs, plus "app.*" for every permission of an app,
# or "app.view_*" for every view permission of an app.
ROLES = {
    "Catalogue managers": ["catalog.*", *ORDER_READING],
    "Order managers": [
        *ORDER_READING,
        ("orders", "change_order"),
        ("orders", "refund_order"),
        ("orders", "add_shippingmethod"),
        ("orders", "change_shippingmethod"),
        ("orders", "delete_shippingmethod"),
        ("orders", "view_shippingmethod"),
        ("orders", "view_outboundemail"),
        "catalog.view_*",
    ],
    "Support agents": [
        "support.add_*",
        "support.change_*",
        "support.view_*",
        *ORDER_READING,
        *CATALOGUE_READING,
    ],
}


def _permissions_ensure(apps, using: str) -> None:
    # Permissions are normally made after `migrate` (post_migrate); on a fresh database they
    # do not exist yet at this point, so make them now from the historical models.
    for label in ("catalog", "orders", "support"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None


def _matching(Permission, rule, using: str):
    if isinstance(rule, tuple):
        app_label, codename = rule
        return Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename)
    app_label, pattern = rule.split(".", 1)
    permissions = Permission.objects.using(using).filter(content_type__app_label=app_label)
    return permissions if pattern == "*" else permissions.filter(codename__startswith=pattern.rstrip("*"))


def groups_create(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    _permissions_ensure(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, rules in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for rule in rules:
            permissions = list(_matching(Permission, rule, using))
            if isinstance(rule, tuple) and not permissions:
                raise LookupError(f"Permission {rule} does not exist; the roles need updating.")
            group.permissions.add(*permissions)


def groups_delete(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_ratelimithit"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0003_recommendations"),
        ("orders", "0003_order_refund_permission"),
        ("support", "0001_initial"),
    ]

    operations = [migrations.RunPython(groups_create, groups_delete)]
