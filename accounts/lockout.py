"""Sign-in throttling hooks for django-axes, named in settings.

AXES_USERNAME_CALLABLE (login_username) and AXES_LOCKOUT_CALLABLE (login_locked_response).
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop.identity import email_canonical

LOGIN_MAX_LENGTH = 254


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The address a sign-in attempt is for, as axes counts it: its canonical form (shop.identity).

    Sign-in finds the account by that form, so counting "Ann@x" and "ann@x" apart would
    let an attacker double the attempts by changing case.
    """
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    if not isinstance(value, str):
        return ""
    return email_canonical(value)[:LOGIN_MAX_LENGTH]


def login_locked_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): why, for how long, and what to do instead."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "account/login_locked.html", context, status=429)
