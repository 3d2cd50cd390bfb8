"""The shopper's language: which are offered, and remembering a choice as Django's language switch does."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language


def language_is_offered(language: str) -> bool:
    """Whether ``language`` is one of the shop's languages (settings.LANGUAGES) with translations."""
    return language in dict(settings.LANGUAGES) and check_for_language(language)


def language_remember(*, response: HttpResponse, language: str) -> None:
    """Set the language cookie on ``response``, with the attributes Django's ``set_language`` uses."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# A crawlable address per language -------------------------------------------------------------
# URLs carry no language prefix: the cookie or Accept-Language picks the language. A ``?lang=``
# parameter gives each page an address per language that crawlers can follow; it applies to that
# request alone and is never remembered.

LANGUAGE_PARAMETER = "lang"


def language_from_query(request: HttpRequest) -> str | None:
    """The language the ``lang`` query parameter asks for, or None when absent or not offered."""
    language = request.GET.get(LANGUAGE_PARAMETER, "")[:16].lower()
    return language if language and language_is_offered(language) else None


def language_hreflang(language: str) -> str:
    """The BCP 47 tag of a Django language code, as hreflang wants it: ``zh-hans`` is ``zh-Hans``."""
    return translation.to_locale(language).replace("_", "-")


def url_in_language(url: str, language: str | None) -> str:
    """``url`` with its ``lang`` parameter set to ``language`` (removed when None); other parameters kept."""
    parts = urlsplit(url)
    params = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name != LANGUAGE_PARAMETER
    ]
    if language is not None:
        params.append((LANGUAGE_PARAMETER, language))
    return urlunsplit(parts._replace(query=urlencode(params)))


def language_alternates(url: str) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of ``url`` in each offered language, then the ``x-default`` (no parameter)."""
    plain = url_in_language(url, None)
    return [
        *((language_hreflang(code), url_in_language(plain, code)) for code, _name in settings.LANGUAGES),
        ("x-default", plain),
    ]


def path_without_language(request: HttpRequest) -> str:
    """The request's full path without its ``lang`` parameter: where the language switch returns to.

    The switch sets the cookie; returning to a ``?lang=`` address would show the old language again.
    """
    full_path = request.get_full_path()
    if LANGUAGE_PARAMETER not in request.GET:
        return full_path
    return url_in_language(full_path, None)


class QueryLanguageLocaleMiddleware(LocaleMiddleware):
    """Django's ``LocaleMiddleware``, except that an offered ``?lang=`` picks this request's language.

    The cookie is left alone and an unknown value is ignored (the cookie or the browser decides).
    Without ``i18n_patterns`` in the URLconf (the shop's URLs carry no language prefix) the path
    never names a language, so Django's look for one in each request's path and again in its
    response (a language lookup that fails, uncached, for a path like ``/products/``) is skipped:
    what is left is exactly what Django does for such a URLconf.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = language_from_query(request)
        if language is not None:
            translation.activate(language)
        elif _language_prefix_patterns_used(request):
            super().process_request(request)
            return
        else:
            translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _language_prefix_patterns_used(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _language_prefix_patterns_used(request: HttpRequest) -> bool:
    return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]
