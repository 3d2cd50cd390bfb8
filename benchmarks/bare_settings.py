"""The truly bare baseline of ``make bench``: Django with two middleware, no database, one 2 KB page.

A second gunicorn serves this (``benchmarks/bare_wsgi.py``) beside the shop, so
the catalogue section can show what the shop's whole stack costs: its own
``/bench/bare/`` view still runs every middleware of the shop. This module is
the settings and the URL configuration at once, to stay one small file.
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-bare-view-not-secret")
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS: list[str] = []
DATABASES: dict = {}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = __name__
USE_I18N = False
LOGGING_CONFIG = None

# 2,048 bytes of HTML, about what a small real page weighs before compression.
_HEAD = b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Bare</title></head><body>\n'
_TAIL = b"</body></html>\n"
_LINE = b"<p>The truly bare baseline page of the benchmark, with no database and no template.</p>\n"
_BODY = _LINE * ((2048 - len(_HEAD) - len(_TAIL)) // len(_LINE))
BARE_PAGE_2KB = _HEAD + _BODY + b" " * (2048 - len(_HEAD) - len(_BODY) - len(_TAIL) - 1) + b"\n" + _TAIL


def bare(request: HttpRequest) -> HttpResponse:
    """The 2 KB page, from memory."""
    return HttpResponse(BARE_PAGE_2KB)


urlpatterns = [path("", bare)]
