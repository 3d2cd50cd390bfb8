"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) plus ten backup codes.

Services write, selectors read; the views in accounts/views/two_factor.py call them. A staff
member's session counts as verified once django_otp.login() stored the device that
accepted their code, for settings.TWO_FACTOR_VERIFIED_MAX_AGE from the time stored with it
(accounts.middleware.StaffTwoFactorMiddleware checks both for the admin).

An authenticator is set up only through a one-time TwoFactorSetupLink: a superuser sends one
from the user admin, the server's operator prints one (`manage.py issue_two_factor_link`), and
a verified session that removes its authenticator gets one for the replacement. Knowing the
password alone never lets anyone set up an authenticator.
"""

import logging
import time
from base64 import b32encode
from binascii import unhexlify
from collections.abc import Mapping
from functools import partial
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.emails import AccountEmail
from accounts.exceptions import AlreadyEnrolled, InvalidCode, InvalidToken, NotStaff, SetupLinkUnusable
from accounts.models import TwoFactorSetupLink
from accounts.tasks import account_email_send
from accounts.tokens import two_factor_setup_token_read
from shop.audit import audit_record
from shop.models import AuditEvent, User

logger = logging.getLogger("shop.auth")

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
TOTP_DIGITS = 6
TOKEN_MAX_LENGTH = 16
# When this session last passed its second factor (seconds since the epoch), beside
# django_otp's DEVICE_ID_SESSION_KEY.
VERIFIED_AT_SESSION_KEY = "two_factor_verified_at"
# Verification times this far ahead of the clock count (web servers' clocks differ a little).
_CLOCK_SKEW_SECONDS = 60


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


def two_factor_verification_expired(*, session: Mapping[str, Any]) -> bool:
    """Whether the session's second-factor verification is older than TWO_FACTOR_VERIFIED_MAX_AGE.

    A session without a verification time (verified before times were kept, or tampered with)
    counts as expired.
    """
    verified_at = session.get(VERIFIED_AT_SESSION_KEY)
    if type(verified_at) is not int:
        return True
    age = time.time() - verified_at
    return not -_CLOCK_SKEW_SECONDS <= age < settings.TWO_FACTOR_VERIFIED_MAX_AGE.total_seconds()


def two_factor_setup_link_get(*, token: str, user: User) -> TwoFactorSetupLink:
    """The set-up link a token names, when it belongs to ``user`` and can still be used.

    Raises InvalidToken (tampered, malformed, too old or unknown), SetupLinkUnusable with the
    reason (another account's, used, replaced by a newer link, expired) and AlreadyEnrolled
    when the account has a confirmed authenticator.
    """
    link_id, user_id = two_factor_setup_token_read(token=token)
    link = TwoFactorSetupLink.objects.filter(pk=link_id, user_id=user_id).first()
    if link is None:
        raise InvalidToken()
    if link.user_id != user.pk:
        raise SetupLinkUnusable("other_account")
    state = link.state(now=timezone.now())
    if state != TwoFactorSetupLink.State.USABLE:
        raise SetupLinkUnusable(state.value)
    if two_factor_device_get(user=user) is not None:
        raise AlreadyEnrolled()
    return link


def two_factor_setup_link_usable(*, user: AbstractBaseUser, link_id: object) -> TwoFactorSetupLink | None:
    """The account's set-up link ``link_id`` while it can be used (unused, current, unexpired), else None."""
    if type(link_id) is not int or not user.is_authenticated:
        return None
    return TwoFactorSetupLink.objects.filter(
        pk=link_id, user=user, used_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).first()


def _token_normalise(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()[:TOKEN_MAX_LENGTH]


# Services ----------------------------------------------------------------------------------------


def _backup_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _event_log(message: str, *, event: str, user_id: int, **fields: object) -> None:
    # Logged once the transaction commits, never for a rolled-back change.
    extra = {"event": event, "user_id": user_id, **fields}
    transaction.on_commit(partial(logger.info, message, extra=extra))


def _setup_link_create(
    *, user: User, issued_by: User | None, origin: TwoFactorSetupLink.Origin
) -> TwoFactorSetupLink:
    # The caller's transaction holds the user row, so a concurrent issue or enrolment waits.
    now = timezone.now()
    TwoFactorSetupLink.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    link = TwoFactorSetupLink.objects.create(
        user=user,
        issued_by=issued_by,
        origin=origin,
        created_at=now,
        expires_at=now + settings.TWO_FACTOR_LINK_MAX_AGE,
    )
    _event_log(
        "two-factor set-up link issued",
        event="auth.two_factor_link_issued",
        user_id=user.pk,
        link_id=link.pk,
        origin=origin.value,
        issued_by=issued_by.pk if issued_by is not None else None,
    )
    audit_record(
        action=AuditEvent.Action.TWO_FACTOR_LINK_ISSUED,
        actor=issued_by,
        target=f"user {user.pk}",
        detail={"origin": origin.value, "link_id": link.pk},
    )
    return link


def _staff_locked_for_new_link(*, user: User) -> User:
    locked = User.objects.select_for_update().filter(pk=user.pk).first()
    if locked is None or not (locked.is_active and locked.is_staff):
        raise NotStaff()
    if TOTPDevice.objects.filter(user=locked, confirmed=True).exists():
        raise AlreadyEnrolled()
    return locked


@transaction.atomic(durable=True)
def two_factor_setup_link_issue(
    *, user: User, issued_by: User | None, origin: TwoFactorSetupLink.Origin
) -> TwoFactorSetupLink:
    """Issue a one-time link for a staff member to set up their authenticator; older links stop working.

    For the operator's command (origin COMMAND), which hands the link over itself. Locks the
    user row. Raises NotStaff for an inactive or non-staff account and AlreadyEnrolled when the
    account has a confirmed authenticator (a superuser deletes it in the admin first); nothing
    is written then.
    """
    return _setup_link_create(user=_staff_locked_for_new_link(user=user), issued_by=issued_by, origin=origin)


@transaction.atomic(durable=True)
def two_factor_setup_link_send(*, user: User, issued_by: User, language: str) -> TwoFactorSetupLink:
    """Issue a one-time set-up link for a staff member and email it to their address on file.

    The email task is enqueued in the same transaction; the address it goes to confirms the
    link. Locks the user row. Raises NotStaff and AlreadyEnrolled as two_factor_setup_link_issue;
    nothing is written or sent then. Older links of the account stop working.
    """
    link = _setup_link_create(
        user=_staff_locked_for_new_link(user=user),
        issued_by=issued_by,
        origin=TwoFactorSetupLink.Origin.ADMIN,
    )
    account_email_send.enqueue(
        kind=AccountEmail.TWO_FACTOR_SETUP.value, user_id=user.pk, language=language, link_id=link.pk
    )
    return link


@transaction.atomic(durable=True)
def two_factor_enrol(*, user: User, key: str, token: str, link_id: int) -> tuple[TOTPDevice, list[str]]:
    """Confirm a new authenticator with a code it shows; returns it and ten new backup codes.

    Needs the account's usable set-up link ``link_id``, which this uses up; every other link
    of the account stops working too. Locks the user row, so two enrolments of one account
    (or one link) cannot both succeed. Raises AlreadyEnrolled when a confirmed authenticator
    exists (replacing one goes through two_factor_reset after a verified sign-in),
    SetupLinkUnusable when the link is not the account's or is used, replaced or expired, and
    InvalidCode for a wrong code; nothing is written then. Earlier backup codes are replaced.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise AlreadyEnrolled()
    now = timezone.now()
    link = TwoFactorSetupLink.objects.filter(pk=link_id, user=user).first()
    if link is None:
        raise SetupLinkUnusable("other_account")
    if (state := link.state(now=now)) != TwoFactorSetupLink.State.USABLE:
        raise SetupLinkUnusable(state.value)
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
    TwoFactorSetupLink.objects.filter(pk=link.pk).update(used_at=now)
    TwoFactorSetupLink.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _event_log("two-factor enrolled", event="auth.two_factor_enrolled", user_id=user.pk, link_id=link.pk)
    audit_record(
        action=AuditEvent.Action.TWO_FACTOR_ENROLLED,
        actor=user,
        target=f"user {user.pk}",
        detail={"link_id": link.pk},
    )
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
def two_factor_reset(*, user: User) -> TwoFactorSetupLink:
    """Remove the account's authenticator and backup codes; returns a set-up link for the new one.

    The caller makes sure the session passed two-factor verification, which is what entitles
    it to the link (a lost phone is reset by a superuser deleting the device in the admin
    instead, and the staff member then needs a link from them). Locks the user row; older
    links stop working. The session stops counting as verified, as its device is gone.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _event_log("two-factor removed", event="auth.two_factor_removed", user_id=user.pk)
    return _setup_link_create(user=user, issued_by=user, origin=TwoFactorSetupLink.Origin.REPLACEMENT)
