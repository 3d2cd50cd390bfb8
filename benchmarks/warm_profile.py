"""Where a warm catalogue page's time goes: a WSGI call loop in one process, with cProfile.

    DEBUG=0 HTTPS=0 SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 \
        .venv/bin/python -m benchmarks.warm_profile [--requests 2000] [--path /products/]

Runs against the shop's own database (seed it first, e.g. ``seed_demo --products 2000``) with
the shop's settings and whatever DEBUG the environment says (run it with DEBUG=0: debug mode
records every query). Calls the WSGI application directly, with no server and no test client (the
test client hooks template rendering, which would distort the split), warms the page, times
``--requests`` calls, then profiles as many and prints the profiled time grouped by where it is
spent: each middleware, sessions and CSRF, the CSP header, the request log line, the database
round trips, templates, hole filling, Django's request and response objects.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict

# (label, substring of the profiled function's file or name); the first match wins.
GROUPS = [
    ("database round trip (psycopg, backend)", ("psycopg", "django/db/")),
    ("request log line (shop.middleware, logging)", ("shop/middleware.py", "shop/logging.py", "/logging/")),
    ("CSP header (django-csp)", ("/csp/",)),
    ("sessions", ("contrib/sessions", "shop/sessions.py")),
    ("CSRF", ("middleware/csrf.py",)),
    ("messages", ("contrib/messages",)),
    ("auth and OTP", ("contrib/auth", "django_otp", "/axes/", "accounts/middleware.py")),
    ("locale and translation", ("middleware/locale.py", "utils/translation", "gettext")),
    ("templates (header links)", ("django/template/",)),
    ("page cache, holes, revision (catalog)", ("catalog/",)),
    ("cache backend", ("core/cache",)),
    ("security middleware", ("middleware/security.py", "shop/security_headers.py", "clickjacking.py")),
    ("whitenoise", ("whitenoise",)),
    ("common middleware and URL resolving", ("middleware/common.py", "django/urls/")),
    ("request and response objects (WSGI handler, headers, cookies)", ("django/http/", "core/handlers")),
]


def _group(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for label, needles in GROUPS:
        if any(needle in where for needle in needles):
            return label
    return "other (Python built-ins, Django utilities)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--path", default="/products/")
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most own time")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.wsgi import get_wsgi_application
    from django.test import RequestFactory

    application = get_wsgi_application()
    environ = RequestFactory(SERVER_NAME="127.0.0.1")._base_environ(PATH_INFO=options.path)

    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise SystemExit(f"{options.path} answered {status}")

    def call() -> None:
        body = application(dict(environ), start_response)
        b"".join(body)
        body.close()

    for _ in range(200):
        call()
    started = time.perf_counter()
    for _ in range(options.requests):
        call()
    per_request = (time.perf_counter() - started) / options.requests * 1e6
    print(f"{options.path}: {per_request:.0f} µs per warm request unprofiled ({options.requests} requests)")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(options.requests):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        totals[_group(filename, name)] += own
    whole = sum(totals.values())
    print(f"profiled: {whole / options.requests * 1e6:.0f} µs per request; own time by group:")
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {seconds / whole:6.1%}  {seconds / options.requests * 1e6:6.0f} µs  {label}")
    if options.top:
        stats.stream = sys.stdout
        stats.sort_stats("tottime").print_stats(options.top)


if __name__ == "__main__":
    main()
