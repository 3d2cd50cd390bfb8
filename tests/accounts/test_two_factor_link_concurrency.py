"""Two-factor set-up links at the same moment.

One link used by two sessions at once sets up one authenticator, and of two links issued at once
only one stays usable.
"""

from functools import partial

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exceptions import AlreadyEnrolled, SetupLinkUnusable
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import two_factor_enrol, two_factor_secret_new
from tests.accounts.helpers import setup_link, totp_code
from tests.factories import StaffUserFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_one_link_used_by_two_sessions_at_once_sets_up_one_authenticator():
    staff = StaffUserFactory()
    link = setup_link(staff)
    keys = [two_factor_secret_new(), two_factor_secret_new()]

    def enrol(key: str) -> str:
        try:
            two_factor_enrol(user=staff, key=key, token=totp_code(key), link_id=link.pk)
        except (AlreadyEnrolled, SetupLinkUnusable):
            return "refused"
        return "enrolled"

    outcomes = run_together(*(partial(enrol, key) for key in keys))

    assert sorted(outcomes) == ["enrolled", "refused"]
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_links_issued_at_once_leave_one_usable():
    staff = StaffUserFactory()

    run_together(partial(setup_link, staff), partial(setup_link, staff))

    assert TwoFactorSetupLink.objects.filter(user=staff).count() == 2
    assert TwoFactorSetupLink.objects.filter(user=staff, revoked_at=None).count() == 1
