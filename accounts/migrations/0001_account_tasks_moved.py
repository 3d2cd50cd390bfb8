"""Tasks queued before the account feature left the shop package still run.

The task queue stores each task's dotted path; the account email task moved from
``shop.tasks`` to ``accounts.tasks``. Deploy with web processes and workers stopped
while ``migrate`` runs, as for every migration that touches queued work.
"""

from django.db import migrations

MOVED_TASKS = {"shop.tasks.account_email_send": "accounts.tasks.account_email_send"}


def _task_paths_rewrite(apps, mapping: dict[str, str]) -> None:
    task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    for old_path, new_path in mapping.items():
        task_result.objects.filter(task_path=old_path).update(task_path=new_path)


def forwards(apps, schema_editor) -> None:
    _task_paths_rewrite(apps, MOVED_TASKS)


def backwards(apps, schema_editor) -> None:
    _task_paths_rewrite(apps, {new: old for old, new in MOVED_TASKS.items()})


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
