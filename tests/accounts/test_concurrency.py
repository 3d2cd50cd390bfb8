import pytest
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult

from accounts.exceptions import EmailTaken
from accounts.services import user_email_change_confirm, user_sign_up
from accounts.tokens import email_change_token_make
from tests.factories import UserFactory
from tests.helpers import run_together

User = get_user_model()


def claim(function, **kwargs):
    """A job for run_together: it returns "done", or "taken" when the address went to someone else."""

    def job() -> str:
        try:
            function(**kwargs)
        except EmailTaken:
            return "taken"
        return "done"

    return job


@pytest.mark.django_db(transaction=True)
def test_two_sign_ups_with_one_address_in_different_case_make_one_account_and_one_notice():
    def sign_up(email: str):
        def job() -> str:
            user = user_sign_up(email=email, password="plum-orchard-42", full_name="Ann", language="en")
            return "taken" if user is None else "created"

        return job

    outcomes = run_together(sign_up("ann@example.com"), sign_up("ANN@example.com"))

    account = User.objects.get(email__iexact="ann@example.com")
    kinds = sorted(task.args_kwargs["kwargs"]["kind"] for task in DBTaskResult.objects.all())
    assert sorted(outcomes) == ["created", "taken"]
    assert kinds == ["email_verify", "signup_address_taken"]
    assert {task.args_kwargs["kwargs"]["user_id"] for task in DBTaskResult.objects.all()} == {account.pk}


@pytest.mark.django_db(transaction=True)
def test_two_accounts_confirming_the_same_new_address_at_once_give_it_to_one():
    ann = UserFactory(email="ann@example.com")
    bob = UserFactory(email="bob@example.com")
    tokens = [
        email_change_token_make(user=ann, new_email="shared@example.com"),
        email_change_token_make(user=bob, new_email="Shared@Example.com"),
    ]

    outcomes = run_together(
        *(claim(user_email_change_confirm, token=token, language="en") for token in tokens)
    )

    ann.refresh_from_db()
    bob.refresh_from_db()
    assert sorted(outcomes) == ["done", "taken"]
    assert sorted([ann.email, bob.email]) in (
        ["Shared@Example.com", "ann@example.com"],
        ["bob@example.com", "shared@example.com"],
    )
