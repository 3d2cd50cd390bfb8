"""Security log and audit trail of sign-ins: every staff login, every failed login, every lockout
(never a password), and every authenticator removed.

Connected in AccountsConfig.ready(). Writes only audit events (shop.audit); sends nothing.
"""

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lockout import LOGIN_MAX_LENGTH
from shop.audit import audit_record
from shop.models import AuditEvent

logger = logging.getLogger("shop.auth")


def _remote_addr(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _attempted_login(credentials: dict[str, Any]) -> str | None:
    # Only what looks like an address is logged: people type passwords into the
    # email field, and those must never reach a log.
    username_field = get_user_model().USERNAME_FIELD
    value = credentials.get(username_field, credentials.get("username"))
    if not isinstance(value, str):
        return None
    value = value.strip()
    if "@" not in value or any(character.isspace() for character in value) or not value.isprintable():
        return None
    return value[:LOGIN_MAX_LENGTH]


@receiver(user_logged_in, dispatch_uid="accounts.receivers.staff_login_log")
def staff_login_log(sender: type, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Log a staff member's sign-in (user id and address the request came from)."""
    if not getattr(user, "is_staff", False):
        return
    logger.info(
        "staff login",
        extra={
            "event": "auth.staff_login",
            "user_id": user.pk,
            "superuser": bool(getattr(user, "is_superuser", False)),
            "remote_addr": _remote_addr(request),
        },
    )
    audit_record(action=AuditEvent.Action.SIGN_IN, actor=user, request=request, target=f"user {user.pk}")


@receiver(user_login_failed, dispatch_uid="accounts.receivers.login_failure_log")
def login_failure_log(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Log a failed sign-in: the attempted address (when it looks like one) and where it came from."""
    login = _attempted_login(credentials)
    logger.warning(
        "login failed",
        extra={
            "event": "auth.login_failed",
            "login": login,
            "path": request.path if request is not None else None,
            "remote_addr": _remote_addr(request),
        },
    )
    audit_record(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        request=request,
        target=f"login {login}" if login else "",
        detail={"path": request.path[:200]} if request is not None else None,
    )


@receiver(user_locked_out, dispatch_uid="accounts.receivers.lockout_audit")
def lockout_audit(
    sender: str, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    """Record a sign-in lockout (axes' own pair lock and our wider tiers alike)."""
    login = _attempted_login({"username": username})
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        request=request,
        ip=kwargs.get("ip_address") or "",
        target=f"login {login}" if login else "",
        detail={"tier": getattr(request, "login_lockout_tier", "pair")},
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="accounts.receivers.two_factor_removed_audit")
def two_factor_removed_audit(sender: type, instance: TOTPDevice, **kwargs: Any) -> None:
    """Record an authenticator removed: by its owner (two_factor_reset) or by a superuser in the admin.

    The actor is whoever the request being served belongs to. Unconfirmed devices (a set-up
    that was never finished) are not two-factor sign-in, so they are not recorded.
    """
    if instance.confirmed:
        audit_record(action=AuditEvent.Action.TWO_FACTOR_REMOVED, target=f"user {instance.user_id}")
