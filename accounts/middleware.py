"""The admin's two-factor gate: staff reach the admin only after their second factor (MIDDLEWARE)."""

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLResolver, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.two_factor import (
    VERIFIED_AT_SESSION_KEY,
    two_factor_device_get,
    two_factor_verification_expired,
)


def _admin_prefix() -> str:
    return _admin_paths(get_resolver(get_urlconf()), get_script_prefix())[0]


def _admin_path_exempt(path: str) -> bool:
    # Signing in (the password step) and out of the admin need no second factor.
    return path in _admin_paths(get_resolver(get_urlconf()), get_script_prefix())[1:]


@lru_cache(maxsize=8)
def _admin_paths(resolver: URLResolver, script_prefix: str) -> tuple[str, str, str]:
    """The admin's index, login and logout paths, reversed once per URLconf and script prefix.

    Every request asks for the prefix; reversing it each time cost more than serving a cached page.
    """
    return reverse("admin:index"), reverse("admin:login"), reverse("admin:logout")


def _user_with_current_verification(request: HttpRequest, user: Any) -> Any:
    # django_otp keeps a session verified for as long as the session lasts; ours lasts
    # TWO_FACTOR_VERIFIED_MAX_AGE, then the next code starts it again.
    if getattr(user, "otp_device", None) is not None and two_factor_verification_expired(
        session=request.session
    ):
        user.otp_device = None
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session.pop(VERIFIED_AT_SESSION_KEY, None)
    return user


class StaffTwoFactorMiddleware:
    """Let staff into the admin only after their second factor (django-otp) in this session.

    Staff with a confirmed authenticator are sent to enter a code; staff without one are sent
    to the set-up page (which sets one up only with a set-up link). A verification older than
    TWO_FACTOR_VERIFIED_MAX_AGE stops counting on every page, so the admin asks for a code
    again. Installed after django_otp's OTPMiddleware. Admin responses also carry
    X-Robots-Tag: noindex, as a custom ADMIN_URL is not listed in robots.txt.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy, as django_otp's own: a page that never looks at the user reads no session.
        request.user = SimpleLazyObject(partial(_user_with_current_verification, request, request.user))
        if not request.path.startswith(_admin_prefix()):
            return self.get_response(request)
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and not _admin_path_exempt(request.path)
            and not getattr(user, "is_verified", lambda: False)()
        ):
            response = self._second_factor_redirect(request)
        else:
            response = self.get_response(request)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    @staticmethod
    def _second_factor_redirect(request: HttpRequest) -> HttpResponse:
        enrolled = two_factor_device_get(user=request.user) is not None
        target = reverse("account:two_factor_verify" if enrolled else "account:two_factor")
        next_url = request.get_full_path() if request.method == "GET" else _admin_prefix()
        return HttpResponseRedirect(f"{target}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
