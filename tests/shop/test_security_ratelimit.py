"""Rate limits of password reset and sign-up, counted in PostgreSQL (shop/ratelimit.py)."""

from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from shop.models import RateLimitHit, User
from shop.ratelimit import rate_limit_hit, rate_limit_key_hash, rate_limit_reached
from tests.factories import UserFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _signup_data(email: str) -> dict[str, str]:
    return {
        "email": email,
        "full_name": "Ann Lee",
        "password1": "quiet-lantern-77",
        "password2": "quiet-lantern-77",
    }


def test_rate_limit_hit_allows_the_limit_then_refuses():
    outcomes = [rate_limit_hit(scope="test", key="ann@example.com", limit=3, window=HOUR) for _ in range(5)]

    assert outcomes == [True, True, True, False, False]
    assert RateLimitHit.objects.count() == 3


def test_rate_limit_hit_counts_keys_and_scopes_apart_and_ignores_letter_case():
    for _ in range(2):
        rate_limit_hit(scope="test", key="Ann@Example.com", limit=2, window=HOUR)

    same_key = rate_limit_hit(scope="test", key="ann@example.com", limit=2, window=HOUR)
    other_key = rate_limit_hit(scope="test", key="bo@example.com", limit=2, window=HOUR)
    other_scope = rate_limit_hit(scope="other", key="ann@example.com", limit=2, window=HOUR)

    assert (same_key, other_key, other_scope) == (False, True, True)


def test_rate_limit_hits_age_out_of_the_window_and_are_pruned():
    for _ in range(2):
        rate_limit_hit(scope="test", key="ann@example.com", limit=2, window=HOUR)
    RateLimitHit.objects.update(
        created_at=RateLimitHit.objects.first().created_at - HOUR,
        expires_at=RateLimitHit.objects.first().expires_at - HOUR,
    )

    allowed = rate_limit_hit(scope="test", key="ann@example.com", limit=2, window=HOUR)

    assert allowed is True
    assert RateLimitHit.objects.count() == 1


def test_rate_limit_stores_a_keyed_hash_never_the_address():
    rate_limit_hit(scope="test", key="ann@example.com", limit=2, window=HOUR)

    hit = RateLimitHit.objects.get()

    assert hit.key_hash == rate_limit_key_hash(scope="test", key="ann@example.com")
    assert "ann" not in hit.key_hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_never_pass_the_limit():
    hit = partial(rate_limit_hit, scope="race", key="ann@example.com", limit=3, window=HOUR)

    outcomes = run_together(*[hit] * 8)

    assert sorted(outcomes) == [False] * 5 + [True] * 3
    assert RateLimitHit.objects.filter(scope="race").count() == 3


def test_reaching_a_limit_is_checked_without_counting():
    reached = partial(rate_limit_reached, scope="test", key="203.0.113.7", limit=2, window=HOUR)
    checks_before = [reached() for _ in range(3)]
    rate_limit_hit(scope="test", key="203.0.113.7", limit=2, window=HOUR)
    rate_limit_hit(scope="test", key="203.0.113.7", limit=2, window=HOUR)

    assert checks_before == [False, False, False]
    assert reached() is True
    assert rate_limit_reached(scope="test", key="203.0.113.8", limit=2, window=HOUR) is False
    assert RateLimitHit.objects.count() == 2


def test_hits_out_of_the_window_no_longer_reach_the_limit():
    rate_limit_hit(scope="test", key="203.0.113.7", limit=1, window=HOUR)
    RateLimitHit.objects.update(created_at=RateLimitHit.objects.get().created_at - HOUR)

    assert rate_limit_reached(scope="test", key="203.0.113.7", limit=1, window=HOUR) is False


def test_counting_a_hit_is_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        rate_limit_hit(scope="test", key="203.0.113.7", limit=3, window=HOUR)


@pytest.mark.django_db(transaction=True)
def test_failures_checked_before_and_counted_before_they_are_told_never_pass_the_limit():
    def attempt(succeeds: bool) -> str:
        limit = {"scope": "race", "key": "203.0.113.7", "limit": 3, "window": HOUR}
        if rate_limit_reached(**limit):
            return "refused"
        if succeeds:
            return "succeeded"
        return "failed" if rate_limit_hit(**limit) else "refused"

    outcomes = run_together(*[partial(attempt, True)] * 4, *[partial(attempt, False)] * 8)

    # However the tries interleave, exactly three failures are told and only they are counted.
    assert outcomes.count("failed") == 3
    assert RateLimitHit.objects.filter(scope="race").count() == 3


def test_password_reset_is_limited_per_email_with_a_clear_message(client, settings):
    UserFactory(email="ann@example.com")
    url = reverse("account:password_reset")

    answers = [client.post(url, {"email": "ann@example.com"}).status_code for _ in range(4)]
    refused = client.post(url, {"email": "ANN@example.com"})

    assert settings.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL == 3
    assert answers == [302, 302, 302, 429]
    assert refused.status_code == 429
    assert "Too many requests from your network or for this email address." in refused.content.decode()
    assert DBTaskResult.objects.count() == 3


def test_password_reset_limit_applies_to_unknown_addresses_alike(client):
    url = reverse("account:password_reset")

    answers = [client.post(url, {"email": "nobody@example.com"}).status_code for _ in range(4)]

    assert answers == [302, 302, 302, 429]


def test_password_reset_is_limited_per_ip_across_addresses(client, settings):
    settings.PASSWORD_RESET_RATE_LIMIT_PER_IP = 2
    url = reverse("account:password_reset")

    first = client.post(url, {"email": "a@example.com"}, REMOTE_ADDR="203.0.113.9")
    second = client.post(url, {"email": "b@example.com"}, REMOTE_ADDR="203.0.113.9")
    third = client.post(url, {"email": "c@example.com"}, REMOTE_ADDR="203.0.113.9")
    elsewhere = client.post(url, {"email": "c@example.com"}, REMOTE_ADDR="198.51.100.4")

    assert [first.status_code, second.status_code, third.status_code] == [302, 302, 429]
    assert elsewhere.status_code == 302


def test_sign_up_is_limited_per_ip(client, settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = 2

    answers = [
        client.post(reverse("account:signup"), _signup_data(f"new{number}@example.com"))
        for number in range(3)
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Too many requests from your network" in answers[2].content.decode()
    assert sorted(User.objects.values_list("email", flat=True)) == ["new0@example.com", "new1@example.com"]


def test_sign_up_is_limited_per_email(client, settings):
    settings.SIGNUP_RATE_LIMIT_PER_EMAIL = 1
    settings.SIGNUP_RATE_LIMIT_PER_IP = 100
    client.post(reverse("account:signup"), _signup_data("ann@example.com"))
    User.objects.filter(email="ann@example.com").delete()

    again = client.post(
        reverse("account:signup"), _signup_data("ann@example.com"), REMOTE_ADDR="198.51.100.4"
    )

    assert again.status_code == 429
    assert not User.objects.filter(email="ann@example.com").exists()


def test_invalid_sign_up_forms_count_against_the_limit_too(client, settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = 3
    invalid = [
        {**_signup_data("ann@example.com"), "password2": "typo"},
        {"email": "not-an-address"},
        {},
    ]

    answers = [client.post(reverse("account:signup"), data).status_code for data in invalid]
    refused = client.post(reverse("account:signup"), _signup_data("bo@example.com"))

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert "Too many requests from your network or for this email address." in refused.content.decode()
    assert User.objects.count() == 0


def test_sign_ups_for_a_taken_address_count_against_its_limit(client, settings):
    settings.SIGNUP_RATE_LIMIT_PER_EMAIL = 2
    settings.SIGNUP_RATE_LIMIT_PER_IP = 100
    UserFactory(email="ann@example.com")

    answers = [
        client.post(reverse("account:signup"), _signup_data(email), REMOTE_ADDR=address).status_code
        for email, address in [("ann@example.com", "192.0.2.1"), ("ANN@example.com", "192.0.2.2")]
    ]
    refused = client.post(reverse("account:signup"), _signup_data("ann@example.com"), REMOTE_ADDR="192.0.2.3")

    assert answers == [302, 302]
    assert refused.status_code == 429
    assert "Too many requests from your network or for this email address." in refused.content.decode()
    assert User.objects.count() == 1
    # Two notices to the owner at most: the limit caps the mail anyone can make us send them.
    assert [task.args_kwargs["kwargs"]["kind"] for task in DBTaskResult.objects.all()] == [
        "signup_address_taken"
    ] * 2


def test_a_refused_sign_up_keeps_what_was_typed_but_checks_nothing(client, settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = 0

    refused = client.post(reverse("account:signup"), {**_signup_data("ann@example.com"), "password2": "typo"})

    page = refused.content.decode()
    assert refused.status_code == 429
    assert 'value="ann@example.com"' in page
    assert "The two passwords do not match." not in page


def test_email_change_is_limited_per_ip_counting_wrong_passwords_and_taken_addresses(client, settings):
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_IP = 3
    UserFactory(email="bob@example.com")
    client.force_login(UserFactory(email="ann@example.com"))
    url = reverse("account:email_change")

    answers = [
        client.post(url, {"new_email": "ann@new.example.com", "current_password": "wrong"}).status_code,
        client.post(
            url, {"new_email": "bob@example.com", "current_password": "correct-horse-battery"}
        ).status_code,
        client.post(url, {"new_email": "@@"}).status_code,
    ]
    refused = client.post(
        url, {"new_email": "ann@new.example.com", "current_password": "correct-horse-battery"}
    )

    assert answers == [200, 302, 200]
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests from your network or for this email address." in page
    assert "Your current password is not correct." not in page
    # Only the accepted request queued mail: the owner's notice and the requester's own notice.
    assert DBTaskResult.objects.count() == 2


def test_email_change_is_limited_per_new_address(client, settings):
    settings.EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL = 1
    client.force_login(UserFactory(email="ann@example.com"))
    url = reverse("account:email_change")
    data = {"new_email": "ann@new.example.com", "current_password": "correct-horse-battery"}

    first = client.post(url, data)
    again = client.post(url, {**data, "new_email": "ANN@new.example.com"}, REMOTE_ADDR="198.51.100.4")

    assert (first.status_code, again.status_code) == (302, 429)
