"""Request ids and one structured log line per request."""

import logging
import os
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from shop.logging import current_request_var, request_id_var

logger = logging.getLogger("shop.request")

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META_KEY = "HTTP_X_REQUEST_ID"
# What a load balancer or another service may hand us (UUIDs, hex, trace ids);
# anything else is replaced, so a header can never forge or break a log line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
PATH_MAX_LENGTH = 1000
# URL parts that work as passwords (password reset, email confirmation links)
# stay out of logs. Query strings are never logged (order access tokens).
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})


def request_id_from(request: HttpRequest) -> str:
    """The incoming X-Request-ID when it is well-formed, else a fresh random id."""
    # Read from META: ``request.headers`` would build a copy of every header for this one.
    incoming = request.META.get(REQUEST_ID_META_KEY, "")
    if REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    # 32 random hex digits, as a UUID4's hex, without building a UUID object.
    return os.urandom(16).hex()


def loggable_path(request: HttpRequest) -> str:
    """The request's path, without its query string and with secret URL parts redacted."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and isinstance(value, str) and value:
                path = path.replace(value, "[redacted]")
    return path[:PATH_MAX_LENGTH]


def _user_id(request: HttpRequest) -> int | None:
    # Only a user something already looked up: loading one here would cost a
    # query per request, and fail while the database is down.
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Tag each request with an id (``request.request_id``, the X-Request-ID response header)
    and log one line for it: method, path, status, duration and the user when known.

    Outermost in MIDDLEWARE, so it times everything and sees the final status,
    error pages included. It never touches the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        request_token = current_request_var.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            if not logger.isEnabledFor(level):
                return response
            path = loggable_path(request)
            logger.log(
                level,
                "%s %s %s %sms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            current_request_var.reset(request_token)
            request_id_var.reset(token)
