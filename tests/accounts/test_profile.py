"""The profile page: the customer's name (addresses are in the address book)."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_name_is_saved_and_shown_on_the_account_page(client):
    user = UserFactory(full_name="Ann Lee")
    client.force_login(user)

    response = client.post(reverse("account:profile"), {"full_name": "  Ann Li  "})

    assert response.status_code == 302
    assert response["Location"] == reverse("account:home")
    user.refresh_from_db()
    assert user.full_name == "Ann Li"
    page = client.get(reverse("account:home")).content.decode()
    assert "<dd>Ann Li</dd>" in page
    assert "Your details have been saved." in page


def test_an_empty_name_is_refused_with_a_message_and_nothing_changes(client):
    user = UserFactory(full_name="Ann Lee")
    client.force_login(user)

    response = client.post(reverse("account:profile"), {"full_name": " "})

    assert response.status_code == 200
    assert "Enter your name." in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Ann Lee"


def test_the_profile_page_points_to_the_address_book(client):
    client.force_login(UserFactory())

    page = client.get(reverse("account:profile")).content.decode()

    assert reverse("account:addresses") in page
    assert 'name="address_line1"' not in page
