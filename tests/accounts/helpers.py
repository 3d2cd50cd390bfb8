"""Helpers of the accounts tests: wrong passwords from chosen IPs, two-factor codes and set-up links.

Also what the privacy tests (their customer, the download) and the address book tests (the
address posted and saved) share.
"""

import json
from binascii import unhexlify
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import two_factor_setup_url
from accounts.models import SavedAddress, TwoFactorSetupLink
from accounts.services import saved_address_create
from accounts.two_factor import two_factor_setup_link_issue
from accounts.views.two_factor import PENDING_KEY_SESSION_KEY
from shop.models import User
from tests.factories import StaffUserFactory, UserFactory

PASSWORD = "correct-horse-battery"  # UserFactory's password

# Sign-in throttling -----------------------------------------------------------------------------

ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"
IP_LOCKED = (
    "There were too many wrong passwords from your network, so we paused signing in from it for 15 minutes."
)


def fail_sign_in(client, url: str, username: str, times: int, ip: str = ATTACKER_IP):
    """Post a wrong password for this address to this sign-in page, so many times; the last response."""
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-guess"}, REMOTE_ADDR=ip)
    return response


def spray(client, count: int, ip: str = ATTACKER_IP, start: int = 0):
    """One wrong password each for `count` different addresses from one IP; the last response."""
    response = None
    for number in range(start, start + count):
        response = fail_sign_in(client, reverse("account:login"), f"victim{number}@example.com", 1, ip=ip)
    return response


# Two-factor sign-in -----------------------------------------------------------------------------


def totp_code(key: str) -> str:
    """The code an authenticator app holding this hex key shows now."""
    return f"{totp(unhexlify(key)):06d}"


def enrolled_staff(**fields):
    """A staff member with a confirmed authenticator, and that device."""
    staff = StaffUserFactory(**fields)
    device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    return staff, device


def setup_link(staff) -> TwoFactorSetupLink:
    """A set-up link for this staff member, as the operator's command issues it."""
    return two_factor_setup_link_issue(user=staff, issued_by=None, origin=TwoFactorSetupLink.Origin.COMMAND)


def setup_link_path(link: TwoFactorSetupLink) -> str:
    """The path the set-up link's address opens."""
    return urlsplit(two_factor_setup_url(link=link)).path


def enrol_through_the_setup_page(client, user) -> TOTPDevice:
    """Open the set-up page and post the code it asks for; the confirmed device."""
    client.get(reverse("account:two_factor"))
    client.post(reverse("account:two_factor"), {"code": totp_code(client.session[PENDING_KEY_SESSION_KEY])})
    return TOTPDevice.objects.get(user=user, confirmed=True)


# Privacy: the download and the erasure ----------------------------------------------------------

DELIVERED = {"payment_status": "paid", "fulfilment_status": "delivered"}


def _customer(**fields) -> User:
    return UserFactory(
        email="ann@example.com",
        full_name="Ann Lee",
        phone="13800138000",
        city="Hangzhou",
        address_line1="18 West Lake Road",
        email_verified_at=timezone.now(),
        **fields,
    )


def _download(client) -> dict:
    response = client.get(reverse("account:privacy_download"))
    assert response.status_code == 200
    return json.loads(response.content)


# Address book -----------------------------------------------------------------------------------

# What SavedAddressForm cleans from the posted ADDRESS below.
VALUES = {
    "recipient_name": "Ann Lee",
    "phone": "+8613800138000",
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "province_code": "33",
    "city_code": "3301",
    "district_code": "330106",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}
ADDRESS = {
    "recipient_name": "Ann Lee",
    "phone": "138 0013 8000",
    "country": "CN",
    "province_code": "33",
    "city_code": "3301",
    "district_code": "330106",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}


def _add(user, **overrides) -> SavedAddress:
    return saved_address_create(user=user, values=VALUES | overrides)
