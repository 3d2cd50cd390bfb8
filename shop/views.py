import logging
import posixpath

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe
from django.views.static import serve

from shop.divisions import division_children_list

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the app and its database answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep crawlers out of carts, checkout, accounts and the admin."""
    lines = [
        "User-agent: *",
        # A custom ADMIN_URL is kept out of this public file, which would announce it; the
        # admin's responses carry X-Robots-Tag: noindex instead (accounts.middleware).
        *([f"Disallow: /{settings.ADMIN_URL}"] if settings.ADMIN_URL == "admin/" else []),
        "Disallow: /cart/",
        "Disallow: /checkout/",
        "Disallow: /account/",
        "Disallow: /orders/",
        # The sitemap index; its sections are listed in it.
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# The division data changes only with a release (and its migration): browsers and CDNs may keep it.
DIVISIONS_MAX_AGE = 24 * 60 * 60


@require_GET
@cache_control(public=True, max_age=DIVISIONS_MAX_AGE)
def division_list(request: HttpRequest) -> HttpResponse:
    """The cities of a province or the districts of a city (``?parent=<code>``), as JSON for the cascade.

    404 for a made-up code or one with nothing below it. Names are Chinese in every language.
    """
    divisions = division_children_list(code=request.GET.get("parent", "")[:6])
    if not divisions:
        return JsonResponse({"divisions": []}, status=404)
    return JsonResponse(
        {"divisions": [{"code": division.code, "name": division.name} for division in divisions]}
    )


# Error pages ------------------------------------------------------------------------------------
# 400/403/404 use the site's layout, whose header reads the database (categories, the signed-in
# user). When that fails (the database or cache is down) the same page renders in the standalone
# layout instead; the 500 page always does. None shows what went wrong.

ERROR_LAYOUT = "_error_layout.html"


def _error_page(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    try:
        return render(request, template_name, status=status)
    except Exception:
        # An error page must not fail in turn, whatever broke the layout.
        logger.warning("Error page %s fell back to the standalone layout", status, exc_info=True)
    return _standalone_page(template_name, status)


def _standalone_page(template_name: str, status: int, extra: dict | None = None) -> HttpResponse:
    context = {"error_layout": ERROR_LAYOUT, "SHOP_NAME": settings.SHOP_NAME, **(extra or {})}
    try:
        html = loader.render_to_string(template_name, context)
    except Exception:
        logger.exception("Error page %s could not be rendered", status)
        html = _minimal_error_html()
    return HttpResponse(html, status=status)


def _minimal_error_html() -> str:
    message = escape(gettext("Sorry, something went wrong on our side. Please try again in a few minutes."))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{message}</title></head><body><p>{message}</p></body></html>\n"
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: malformed requests and SuspiciousOperation (e.g. an unknown Host)."""
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403."""
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404."""
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: standalone, no database, no context processors."""
    return _standalone_page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: explains cookies and an expired form, never the technical reason."""
    return _error_page(request, "403_csrf.html", 403)


# Uploaded files ---------------------------------------------------------------------------------

# Shown in the browser; anything else (HTML, SVG, PDF, text...) is a download of opaque bytes.
INLINE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Serve a public file under MEDIA_ROOT (the SERVE_MEDIA route) so that nothing in it can run.

    Only folders in MEDIA_PUBLIC_PREFIXES are served (support attachments stay private); the
    type comes from the extension, never from sniffing; only raster images are shown inline.
    """
    name = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    public = tuple(settings.MEDIA_PUBLIC_PREFIXES)
    if "\x00" in name or not name.startswith(public):
        raise Http404(gettext("No such file."))
    response = serve(request, name, document_root=settings.MEDIA_ROOT)
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code == 200 and content_type not in INLINE_MEDIA_TYPES:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=posixpath.basename(name)
        )
        response.headers.pop("Content-Encoding", None)
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened directly, a file is a sandboxed document that may load and run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def request_too_large(request: HttpRequest) -> HttpResponse:
    """413 for a request body over REQUEST_BODY_MAX_BYTES, before anything reads it.

    In the standalone layout: the session and the database are not looked at for such a request.
    """
    translation.activate(translation.get_language_from_request(request))
    megabytes = settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
    return _standalone_page("413.html", 413, {"max_megabytes": megabytes})
