"""Security log of sign-ins: every staff login and every failed login (never a password).

Connected in AccountsConfig.ready(). Only logs; nothing here writes or sends.
"""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.lockout import LOGIN_MAX_LENGTH

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


@receiver(user_login_failed, dispatch_uid="accounts.receivers.login_failure_log")
def login_failure_log(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Log a failed sign-in: the attempted address (when it looks like one) and where it came from."""
    logger.warning(
        "login failed",
        extra={
            "event": "auth.login_failed",
            "login": _attempted_login(credentials),
            "path": request.path if request is not None else None,
            "remote_addr": _remote_addr(request),
        },
    )
