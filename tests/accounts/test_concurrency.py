import pytest
from django.contrib.auth import get_user_model

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
def test_two_sign_ups_with_one_address_in_different_case_make_one_account():
    outcomes = run_together(
        *(
            claim(user_sign_up, email=email, password="plum-orchard-42", full_name="Ann", language="en")
            for email in ("ann@example.com", "ANN@example.com")
        )
    )

    assert sorted(outcomes) == ["done", "taken"]
    assert User.objects.filter(email__iexact="ann@example.com").count() == 1


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
