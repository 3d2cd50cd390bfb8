"""Security middleware Django has no setting for.

Django's SecurityMiddleware sends HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy, XFrameOptionsMiddleware the frame policy and
django-csp the Content Security Policy. This module adds ``Permissions-Policy``
and turns away two kinds of hostile input that would otherwise end in a server error:
NUL characters outside the body, and admin actions on rows named by malformed keys.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

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
