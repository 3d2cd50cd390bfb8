"""Two-factor pages for staff: open a set-up link, set up an authenticator, enter a code, backup codes."""

import re
import time

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.exceptions import AlreadyEnrolled, InvalidCode, InvalidToken, SetupLinkUnusable
from accounts.forms import TwoFactorSetupForm, TwoFactorVerifyForm
from accounts.models import TwoFactorSetupLink
from accounts.two_factor import (
    VERIFIED_AT_SESSION_KEY,
    two_factor_backup_codes_left,
    two_factor_backup_codes_regenerate,
    two_factor_device_get,
    two_factor_enrol,
    two_factor_qr_data_uri,
    two_factor_reset,
    two_factor_secret_display,
    two_factor_secret_new,
    two_factor_setup_link_get,
    two_factor_setup_link_usable,
    two_factor_setup_uri,
    two_factor_verify,
    two_factor_wait_seconds,
)

# The secret being set up waits in the session until a code confirms it.
PENDING_KEY_SESSION_KEY = "two_factor_pending_key"
# The id of the set-up link this session opened (or got by removing its authenticator).
SETUP_LINK_SESSION_KEY = "two_factor_setup_link"
_KEY_PATTERN = re.compile(r"[0-9a-f]{40}")


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _with_next(request: HttpRequest, url_name: str) -> str:
    return f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: _next_url(request)})}"


def _staff_only(request: HttpRequest) -> None:
    # Two-factor guards the admin; customers have no use for these pages.
    if not request.user.is_staff:
        raise Http404(_("This page is for staff."))


def _is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _signed_in_with(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # The verification lasts TWO_FACTOR_VERIFIED_MAX_AGE from now (a new code restarts it).
    request.session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    # A new session id for the more trusted session (as Django does at sign-in).
    request.session.cycle_key()


def _backup_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {"codes": codes, "next": _next_url(request)}
    return render(request, "account/two_factor_backup_codes.html", context)


def _setup_link_refused(request: HttpRequest, reason: str) -> HttpResponse:
    State = TwoFactorSetupLink.State
    message, status = {
        "enrolled": (
            _("Two-factor sign-in is set up for your account already; this link is not needed."),
            400,
        ),
        "other_account": (
            _(
                "This set-up link was sent to another staff member. Sign out, then open it again and "
                "sign in as the person it was sent to."
            ),
            403,
        ),
        State.USED: (_("This set-up link was used already. Ask an administrator for a new one."), 400),
        State.REVOKED: (
            _("A newer set-up link was sent, so this one no longer works. Open the newest one."),
            400,
        ),
    }.get(reason, (_("This set-up link is invalid or expired. Ask an administrator for a new one."), 400))
    return render(request, "account/link_invalid.html", {"message": message}, status=status)


@never_cache
@require_GET
@login_required
def two_factor_link(request: HttpRequest, token: str) -> HttpResponse:
    """Open a one-time set-up link (signed in as the staff member it was sent to): go on to set-up.

    Opening it changes nothing but this session; setting up the authenticator uses it up.
    """
    _staff_only(request)
    try:
        link = two_factor_setup_link_get(token=token, user=request.user)
    except InvalidToken:
        return _setup_link_refused(request, "invalid")
    except SetupLinkUnusable as error:
        return _setup_link_refused(request, error.reason)
    except AlreadyEnrolled:
        return _setup_link_refused(request, "enrolled")
    request.session[SETUP_LINK_SESSION_KEY] = link.pk
    return redirect(_with_next(request, "account:two_factor"))


def _setup_link_needed_page(request: HttpRequest) -> HttpResponse:
    # No QR code and no secret: knowing the password is not enough to set up an authenticator.
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    return render(request, "account/two_factor_link_needed.html", status=403)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code, secret, confirming code), or see the set-up one.

    Setting one up needs a set-up link opened in this session; without one the page says how to get one.
    """
    _staff_only(request)
    if two_factor_device_get(user=request.user) is not None:
        if not _is_verified(request):
            return redirect(_with_next(request, "account:two_factor_verify"))
        context = {"codes_left": two_factor_backup_codes_left(user=request.user), "next": _next_url(request)}
        return render(request, "account/two_factor_status.html", context)
    link = two_factor_setup_link_usable(
        user=request.user, link_id=request.session.get(SETUP_LINK_SESSION_KEY)
    )
    if link is None:
        return _setup_link_needed_page(request)
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
        key = request.session[PENDING_KEY_SESSION_KEY] = two_factor_secret_new()
    form = TwoFactorSetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enrol(
                user=request.user, key=key, token=form.cleaned_data["code"], link_id=link.pk
            )
        except AlreadyEnrolled:
            return redirect(_with_next(request, "account:two_factor_verify"))
        except SetupLinkUnusable:
            return _setup_link_needed_page(request)
        except InvalidCode:
            form.add_error("code", _("That code is not correct. Check the time on your phone and try again."))
        else:
            del request.session[PENDING_KEY_SESSION_KEY]
            del request.session[SETUP_LINK_SESSION_KEY]
            _signed_in_with(request, device)
            return _backup_codes_page(request, codes)
    context = {
        "form": form,
        "qr_data_uri": two_factor_qr_data_uri(uri=two_factor_setup_uri(user=request.user, key=key)),
        "secret": two_factor_secret_display(key=key),
        "next": _next_url(request),
    }
    return render(request, "account/two_factor_setup.html", context, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app or a backup code."""
    _staff_only(request)
    if two_factor_device_get(user=request.user) is None:
        return redirect(_with_next(request, "account:two_factor"))
    if _is_verified(request):
        return redirect(_next_url(request))
    form = TwoFactorVerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if wait := two_factor_wait_seconds(user=request.user):
            form.add_error(None, _wait_message(wait))
            return _verify_page(request, form, status=429)
        device = two_factor_verify(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            _signed_in_with(request, device)
            if isinstance(device, StaticDevice):
                _backup_code_used_message(request)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not correct, or it was used already."))
    return _verify_page(request, form, status=400 if form.errors else 200)


def _verify_page(request: HttpRequest, form: TwoFactorVerifyForm, status: int) -> HttpResponse:
    context = {"form": form, "next": _next_url(request)}
    return render(request, "account/two_factor_verify.html", context, status=status)


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def _backup_code_used_message(request: HttpRequest) -> None:
    left = two_factor_backup_codes_left(user=request.user)
    message = ngettext(
        "You signed in with a backup code; %(count)d is left.",
        "You signed in with a backup code; %(count)d are left.",
        left,
    ) % {"count": left}
    if left <= 3:
        message += " " + _("Make new backup codes on your two-factor page.")
    messages.warning(request, message)


@never_cache
@require_POST
@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes with ten new ones and show them once (verified sessions only)."""
    _staff_only(request)
    if two_factor_device_get(user=request.user) is None:
        return redirect(_with_next(request, "account:two_factor"))
    if not _is_verified(request):
        return redirect(_with_next(request, "account:two_factor_verify"))
    return _backup_codes_page(request, two_factor_backup_codes_regenerate(user=request.user))


@never_cache
@require_POST
@login_required
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator (to move to a new phone); the admin then asks for a new one."""
    _staff_only(request)
    if two_factor_device_get(user=request.user) is None:
        return redirect("account:two_factor")
    if not _is_verified(request):
        return redirect(_with_next(request, "account:two_factor_verify"))
    # The verified session may set up the replacement without asking an administrator.
    request.session[SETUP_LINK_SESSION_KEY] = two_factor_reset(user=request.user).pk
    messages.success(request, _("Your authenticator app is removed. Set up the new one now."))
    return redirect("account:two_factor")
