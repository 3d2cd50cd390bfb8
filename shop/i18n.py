"""The shopper's language: which are offered, and remembering a choice as Django's language switch does."""

from django.conf import settings
from django.http import HttpResponse
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
