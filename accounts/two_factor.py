"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) plus ten backup codes.

Services write, selectors read; the views in accounts/views/two_factor.py call them. A staff
member's session counts as verified once django_otp.login() stored the device that
accepted their code (accounts.middleware.StaffTwoFactorMiddleware checks that for the admin).
"""

import time
from base64 import b32encode
from binascii import unhexlify

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.exceptions import AlreadyEnrolled, InvalidCode
from shop.models import User

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
TOTP_DIGITS = 6
TOKEN_MAX_LENGTH = 16


# Selectors ---------------------------------------------------------------------------------------


def two_factor_device_get(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The account's confirmed authenticator app, or None when two-factor is not set up."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_backup_codes_left(*, user: AbstractBaseUser) -> int:
    """How many unused backup codes the account has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_wait_seconds(*, user: AbstractBaseUser) -> int:
    """Seconds before the account may try another code (django-otp's back-off after wrong codes)."""
    now = timezone.now()
    wait = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, details = device.verify_is_allowed()
            if not allowed and details and details.get("locked_until"):
                wait = max(wait, int((details["locked_until"] - now).total_seconds()) + 1)
    return wait


def two_factor_secret_new() -> str:
    """A fresh random TOTP secret (hex, 20 bytes) for an authenticator being set up."""
    return random_hex(20)


def two_factor_secret_display(*, key: str) -> str:
    """The secret as people type it into an authenticator app: base32 in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def two_factor_setup_uri(*, user: User, key: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key, digits=TOTP_DIGITS).config_url


def two_factor_qr_data_uri(*, uri: str) -> str:
    """A QR code of ``uri`` as an SVG data URI, made on the server (no script, no inline style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _token_normalise(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()[:TOKEN_MAX_LENGTH]


# Services ----------------------------------------------------------------------------------------


def _backup_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic(durable=True)
def two_factor_enrol(*, user: User, key: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm a new authenticator with a code it shows; returns it and ten new backup codes.

    Locks the user row, so two enrolments of one account cannot both succeed. Raises
    AlreadyEnrolled when a confirmed authenticator exists (replacing one goes through
    two_factor_reset after a verified sign-in) and InvalidCode for a wrong code; nothing
    is written then. Earlier backup codes are replaced.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise AlreadyEnrolled()
    device = TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME, digits=TOTP_DIGITS, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    code = _token_normalise(token)
    if not (len(code) == TOTP_DIGITS and code.isdigit() and totp.verify(int(code), device.tolerance)):
        raise InvalidCode()
    # The code just used may not sign in again (django-otp refuses steps up to last_t).
    device.last_t = totp.t()
    device.drift = totp.drift
    device.save()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, _backup_codes_replace(user=user)


@transaction.atomic(durable=True)
def two_factor_verify(*, user: User, token: str) -> Device | None:
    """Check a code from the authenticator app or a backup code; the device that accepted it, or None.

    Locks the account's devices (select_for_update), so one code cannot be used twice by
    concurrent requests; a backup code is deleted when used. Each wrong code lengthens
    django-otp's back-off (see two_factor_wait_seconds); during it every code is refused.
    """
    code = _token_normalise(token)
    if not code:
        return None
    model = TOTPDevice if len(code) == TOTP_DIGITS and code.isdigit() else StaticDevice
    for device in model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
        if device.verify_token(code):
            return device
    return None


@transaction.atomic(durable=True)
def two_factor_backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the account's backup codes with ten new ones and return them (shown once).

    The caller makes sure the session passed two-factor verification.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    return _backup_codes_replace(user=user)


@transaction.atomic(durable=True)
def two_factor_reset(*, user: User) -> None:
    """Remove the account's authenticator and backup codes, so a new authenticator can be set up.

    The caller makes sure the session passed two-factor verification (a lost phone is
    reset by a superuser deleting the device in the admin instead). The session stops
    counting as verified, as its device is gone.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
