"""The shop's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from shop.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

SECRET_DETAIL = "secret-detail-that-must-not-leak"


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET_DETAIL)


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET_DETAIL)


def _inline(request: HttpRequest) -> HttpResponse:
    """A page the Content Security Policy must block: inline script, style and handler."""
    return HttpResponse(
        "<!DOCTYPE html><html><head><style>p{color:red}</style></head>"
        '<body><p style="color:blue" onclick="go()">x</p><script>document.title="ran"</script></body></html>'
    )


urlpatterns = [
    path("test-errors/crash/", _crash),
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/suspicious/", _suspicious),
    path("test-errors/inline/", _inline),
    *urlpatterns,
]
