"""Fixtures shared by the orders tests."""

import pytest

from tests.factories import StaffUserFactory
from tests.helpers import staff_login


@pytest.fixture
def staff(client):
    """A staff member (clerk@example.com), signed in on the test client past two-factor."""
    user = StaffUserFactory(email="clerk@example.com")
    staff_login(client, user)
    return user
