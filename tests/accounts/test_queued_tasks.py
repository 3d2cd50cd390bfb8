"""Account emails queued before the account feature moved out of the shop package still go out."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.tasks import account_email_send
from tests.factories import UserFactory
from tests.helpers import run_tasks

OLD_TASK_PATH = "shop.tasks.account_email_send"


@pytest.mark.django_db(transaction=True)
def test_an_account_email_queued_under_the_old_task_path_is_sent_after_migrating(mailoutbox):
    user = UserFactory(email="ann@example.com", email_verified_at=None)
    call_command("migrate", "accounts", "zero", verbosity=0)
    queued = account_email_send.enqueue(kind="email_verify", user_id=user.pk, language="en")
    DBTaskResult.objects.filter(pk=queued.id).update(task_path=OLD_TASK_PATH)

    call_command("migrate", "accounts", verbosity=0)
    run_tasks()

    task = DBTaskResult.objects.get(pk=queued.id)
    assert task.task_path == "accounts.tasks.account_email_send"
    assert task.status == "SUCCESSFUL"
    assert [message.to for message in mailoutbox] == [["ann@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_unmigrating_gives_queued_account_emails_their_old_task_path_back():
    user = UserFactory()
    queued = account_email_send.enqueue(kind="email_verify", user_id=user.pk, language="en")

    call_command("migrate", "accounts", "zero", verbosity=0)

    assert DBTaskResult.objects.get(pk=queued.id).task_path == OLD_TASK_PATH
    call_command("migrate", "accounts", verbosity=0)
