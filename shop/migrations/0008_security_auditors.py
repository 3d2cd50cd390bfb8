"""The "Security auditors" staff group: reads the audit events in the admin, nothing else.

Only adds: a group that exists keeps the permissions an administrator gave it since.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Security auditors"


def group_create(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    # On a fresh database the permissions are made only after `migrate` (post_migrate).
    app_config = apps.get_app_config("shop")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.add(
        Permission.objects.using(using).get(content_type__app_label="shop", codename="view_auditevent")
    )


def group_delete(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0007_auditevent"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(group_create, group_delete)]
