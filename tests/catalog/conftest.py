"""Fixtures shared by the catalogue tests."""

import pytest

from tests.factories import StaffUserFactory
from tests.helpers import staff_login


@pytest.fixture
def staff_client(client):
    """The test client, signed in as a staff member past two-factor."""
    staff_login(client, StaffUserFactory())
    return client
