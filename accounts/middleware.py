"""The admin's two-factor gate: staff reach the admin only after their second factor (MIDDLEWARE)."""

from collections.abc import Callable

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.two_factor import two_factor_device_get


def _admin_prefix() -> str:
    return reverse("admin:index")


def _admin_path_exempt(path: str) -> bool:
    # Signing in (the password step) and out of the admin need no second factor.
    return path in (reverse("admin:login"), reverse("admin:logout"))


class StaffTwoFactorMiddleware:
    """Let staff into the admin only after their second factor (django-otp) in this session.

    Staff with a confirmed authenticator are sent to enter a code; staff without one are sent
    to set it up. Installed after django_otp's OTPMiddleware. Admin responses also carry
    X-Robots-Tag: noindex, as a custom ADMIN_URL is not listed in robots.txt.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
