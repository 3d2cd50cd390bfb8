"""Staff who may read wishlists (groups of shop/migrations/0004_staff_groups.py).

Catalogue managers read which products customers keep, counted per product (what to restock
or promote), not who keeps them. Support agents read who keeps what and the wishlist emails,
to answer a customer about their list. Nobody changes them in the admin. Only adds, to groups
that exist; going back takes away only this.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Catalogue managers": ["view_wishedproduct"],
    "Support agents": ["view_wishlistitem", "view_wishlistnotice"],
}


def _granted(apps, using: str):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(using).filter(name__in=list(GRANTS)):
        codenames = GRANTS[group.name]
        found = list(
            Permission.objects.using(using).filter(content_type__app_label="wishlists", codename__in=codenames)
        )
        if len(found) != len(codenames):
            missing = set(codenames) - {permission.codename for permission in found}
            raise LookupError(f"Permissions {sorted(missing)} do not exist; the roles need updating.")
        yield group, found


def permissions_grant(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    # On a fresh database the permissions come after `migrate` (post_migrate): make them now.
    app_config = apps.get_app_config("wishlists")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    for group, permissions in _granted(apps, using):
        group.permissions.add(*permissions)


def permissions_revoke(apps, schema_editor) -> None:
    for group, permissions in _granted(apps, schema_editor.connection.alias):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("wishlists", "0001_initial"),
        ("shop", "0004_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(permissions_grant, permissions_revoke)]
