"""Security middleware Django has no setting for.

Django's SecurityMiddleware sends HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy, XFrameOptionsMiddleware the frame policy and
django-csp the Content Security Policy (here built once per process for the
responses that do not change it). This module adds ``Permissions-Policy``
and turns away two kinds of hostile input that would otherwise end in a server error:
NUL characters outside the body, and admin actions on rows named by malformed keys.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from shop.views import request_too_large


class PermissionsPolicyMiddleware:
    """Send ``settings.PERMISSIONS_POLICY`` on every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


# What a view may set on a response to change its own policy (django-csp's decorators set these).
_CSP_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the settings' policy built once instead of on every response.

    Building the header (a dataclass copied to a dict, every directive joined, for the policy
    and again for the report-only one) cost more than all the other security headers
    together. A response that changes its policy (the payment pages' ``form-action``) or a
    request that used a nonce goes through django-csp unchanged; every other response gets
    the same header strings django-csp would build, under the same rules (already set,
    exempt, excluded prefix, the debug error pages). The strings are rebuilt when the policy
    settings are replaced (tests override them).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self._built_for: tuple[object, object] | None = None
        self._built: tuple[str, str] = ("", "")

    def _settings_headers(self) -> tuple[str, str]:
        policies = (
            getattr(settings, "CONTENT_SECURITY_POLICY", None),
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
        )
        built_for = self._built_for
        if built_for is None or built_for[0] is not policies[0] or built_for[1] is not policies[1]:
            self._built = (build_policy(), build_policy(report_only=True))
            self._built_for = policies
        return self._built

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _CSP_PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        enforced, report_only = self._settings_headers()
        for header, value, exempt, setting in (
            (HEADER, enforced, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class NulCharacterInRequest(SuspiciousOperation):
    """A NUL character in the path, query string, a cookie or a header."""


def request_has_nul(request: HttpRequest) -> bool:
    """Whether the path, query string, cookies or headers carry a NUL character."""
    if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
        return True
    return any(key.startswith("HTTP_") and "\x00" in str(value) for key, value in request.META.items())


class RejectNulCharactersMiddleware:
    """Answer 400 to requests with a NUL character outside the body.

    PostgreSQL text cannot hold NUL, so such a value reaching a query (a session key from a forged
    cookie, an admin search term, an order number in the path) fails there as a server error. No
    browser sends one. Form fields in the body are the forms' job (Django's CharField refuses NUL).
    Runs before the session middleware, so the error page never looks the forged session up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_nul(request):
            # The locale middleware has not run yet; answer in the language the browser asks for.
            translation.activate(translation.get_language_from_request(request))
            raise NulCharacterInRequest("NUL character in the request path, query string, cookies or headers")
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose body is larger than REQUEST_BODY_MAX_BYTES, unread.

    Django caps the form fields it keeps in memory, but writes uploaded files to temporary
    files whatever their total size. Django reads no more of a body than its Content-Length
    says (none without one), so checking that header caps the total before anything is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot parse
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return request_too_large(request)
        return self.get_response(request)


class AdminActionSelectionMiddleware:
    """Answer 400 to an admin action whose selected rows are not valid primary keys.

    Django's ModelAdmin.response_action filters ``pk__in`` with the posted ``_selected_action``
    values as they come, so ``abc`` for an integer key raises ValueError: a server error on
    every changelist of the admin. Valid keys of rows that do not exist still reach the action.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None or request.method != "POST":
            return None
        primary_key = model_admin.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                primary_key.to_python(value)
        except ValidationError as error:
            raise InvalidAdminSelection("An admin action selected rows by invalid primary keys") from error
        return None


class InvalidAdminSelection(SuspiciousOperation):
    """An admin action POST whose selected rows are not valid primary keys."""
