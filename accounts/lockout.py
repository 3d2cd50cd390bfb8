"""Sign-in throttling: django-axes' hooks named in settings, its lockout tiers and the known-device cookie.

AXES_USERNAME_CALLABLE (login_username), AXES_LOCKOUT_CALLABLE (login_locked_response) and
AXES_HANDLER (TieredLockoutHandler). axes locks an (address, IP) pair after AXES_FAILURE_LIMIT
failures; the handler adds two wider tiers with limits of their own, all counted over the
failures axes stores within the cool-off time:

- one IP, whatever the addresses (LOGIN_IP_FAILURE_LIMIT): one password sprayed over many
  accounts;
- one address, whatever the IPs (LOGIN_ACCOUNT_FAILURE_LIMIT): guesses from rotating addresses.

A browser that signed in to the address before (or set its password from a reset link) carries a
known-device cookie for it and is spared the wider tiers, so an attacker's guesses cannot lock a
customer out of their own browser; the pair's limit still holds for it.
"""

import logging
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.timezone import now

from shop.identity import email_canonical
from shop.models import User

logger = logging.getLogger("shop.auth")

LOGIN_MAX_LENGTH = 254
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_MAX_AGE = timedelta(days=365)
_KNOWN_DEVICE_SALT = "accounts.lockout.known_device"


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
    """The page a locked-out sign-in gets (429): which lock, for how long, and what to do instead."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "tier": getattr(request, "login_lockout_tier", "pair"),
    }
    return render(request, "account/login_locked.html", context, status=429)


def _known_device_token(username: str) -> str:
    # A keyed hash, so the cookie does not carry the address itself.
    return salted_hmac(_KNOWN_DEVICE_SALT, username).hexdigest()


def known_device_remember(*, response: HttpResponse, user: User) -> None:
    """Mark the browser that gets this response as known to the user's address, for a year.

    Call it only once the browser has proved it may use the account: it signed in, signed up,
    or set a new password from a reset link.
    """
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        _known_device_token(login_username(None, {"username": user.email})),
        salt=_KNOWN_DEVICE_SALT,
        max_age=int(KNOWN_DEVICE_MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _is_known_device(request: HttpRequest, username: str) -> bool:
    if not username:
        return False
    token = request.get_signed_cookie(
        KNOWN_DEVICE_COOKIE, default=None, salt=_KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE
    )
    return token is not None and constant_time_compare(token, _known_device_token(username))


class TieredLockoutHandler(AxesDatabaseHandler):
    """axes' database handler plus the IP-wide and address-wide tiers (see the module's docstring).

    The tiers only read the rows axes writes; a successful sign-in still clears only its own
    (address, IP) pair, so signing in to one's own account does not wipe an IP's failures against
    other addresses.
    """

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._wider_tier(request, credentials) is not None

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        tier = self._wider_tier(request, credentials)
        if tier is None:
            return
        logger.warning(
            "sign-in locked out",
            extra={"event": "auth.login_locked_out", "tier": tier, "remote_addr": request.axes_ip_address},
        )
        # As axes does for its own lock: the middleware answers with the lockout page.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        request.login_lockout_tier = tier
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def _wider_tier(self, request: HttpRequest, credentials: dict | None) -> str | None:
        """The wider tier ("ip" or "account") that locks this attempt out, or None."""
        username = get_client_username(request, credentials)
        if _is_known_device(request, username):
            return None
        recent = AccessAttempt.objects.filter(
            attempt_time__gte=(request.axes_attempt_time or now()) - settings.AXES_COOLOFF_TIME
        )
        if _failures(recent.filter(ip_address=request.axes_ip_address)) >= settings.LOGIN_IP_FAILURE_LIMIT:
            return "ip"
        if username and _failures(recent.filter(username=username)) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            return "account"
        return None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
