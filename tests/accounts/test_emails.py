from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.emails import AccountEmail, account_email_build
from accounts.models import TwoFactorSetupLink
from accounts.services import user_email_verify, user_verification_resend
from accounts.tasks import account_email_send
from accounts.tokens import email_verification_token_make
from tests.factories import UserFactory
from tests.helpers import free_port, run_tasks, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server_down(settings):
    use_smtp(settings, free_port())  # nothing listens there
    return settings


@pytest.mark.django_db(transaction=True)
def test_an_email_that_fails_to_send_is_retried_later_and_then_delivered_once(mail_server_down, monkeypatch):
    user = UserFactory(email="ann@example.com")
    account_email_send.enqueue(kind=AccountEmail.EMAIL_VERIFY.value, user_id=user.pk, language="en")

    run_tasks()

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert first.return_value == "retrying"
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert timedelta(minutes=1) < retry.run_after - timezone.now() <= timedelta(minutes=2)
    mail_server_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_tasks()
    assert mail.outbox == []  # not due yet
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=3))
    run_tasks()
    run_tasks()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert retry.return_value == "sent"
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_an_email_that_keeps_failing_ends_as_a_failed_task(mail_server_down):
    user = UserFactory()
    account_email_send.enqueue(
        kind=AccountEmail.EMAIL_VERIFY.value,
        user_id=user.pk,
        language="en",
        attempt=mail_server_down.EMAIL_MAX_ATTEMPTS,
    )

    run_tasks()

    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "builtins.ConnectionRefusedError"


@pytest.mark.django_db(transaction=True)
def test_a_verification_email_queued_before_the_address_was_verified_is_not_sent():
    user = UserFactory()
    user_verification_resend(user=user, language="en")
    user_email_verify(token=email_verification_token_make(user=user))

    run_tasks()

    assert DBTaskResult.objects.get().return_value == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_an_address_taken_notice_is_not_sent_once_the_account_has_left_that_address():
    owner = UserFactory(email="bob@example.com")
    account_email_send.enqueue(
        kind=AccountEmail.SIGNUP_ADDRESS_TAKEN.value,
        user_id=owner.pk,
        language="en",
        new_email="bob@example.com",
    )
    owner.email = "bob@elsewhere.example.com"
    owner.save(update_fields=["email"])

    run_tasks()

    assert DBTaskResult.objects.get().return_value == "skipped"
    assert mail.outbox == []


def test_resending_verification_for_a_verified_address_queues_nothing():
    user = UserFactory(email_verified_at=timezone.now())

    queued = user_verification_resend(user=user, language="en")

    assert queued is False
    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize("kind", list(AccountEmail))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_account_email_renders_subject_text_and_html_in_the_requested_language(kind, language):
    user = UserFactory(email="ann@example.com", full_name="Ann Lee")
    setup_link = TwoFactorSetupLink.objects.create(
        user=user, origin="admin", expires_at=timezone.now() + timedelta(hours=72)
    )
    language_before = translation.get_language()

    message = account_email_build(
        kind=kind,
        user=user,
        language=language,
        new_email="ann@new.example.com",
        old_email="ann@example.com",
        setup_link=setup_link,
    )

    html = message.alternatives[0][0]
    assert message.subject
    assert "\n" not in message.subject
    assert "Maple & Pine" in message.subject
    assert "{%" not in message.body and "{{" not in message.body
    assert f'<html lang="{language}">' in html
    assert message.to == (
        ["ann@new.example.com"] if kind == AccountEmail.EMAIL_CHANGE_CONFIRM else ["ann@example.com"]
    )
    assert translation.get_language() == language_before
