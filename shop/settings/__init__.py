"""Settings for the shop, all read from the environment (the README lists them).

The defaults are production's: DEBUG is off unless the environment turns it on
(`make run` does, and `.env.example` lists the development values), and with
DEBUG off the shop refuses to start without a SECRET_KEY of its own. Each area's own
settings are in a module of this package, loaded at the end: ``orders.py``, ``support.py``,
``accounts.py`` and ``payments.py`` (the online payment gateways).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# Variables already in the environment win over the file's.
environ.Env.read_env(os.environ.get("ENV_FILE") or BASE_DIR / ".env")

# Off unless turned on: a shop started without configuration must not run in development mode
# (debug pages, the public key below, no HTTPS, media served by Django).
DEBUG = env.bool("DEBUG", default=False)

# Public (it is in the repository), so anyone could sign with it: account links and every other
# signed value. Only development may use it.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
_MAKE_A_KEY = (
    "Set SECRET_KEY to a long random string, for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`; "
    "on a development machine set DEBUG=1 instead (`make run` does; see .env.example)."
)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY.strip():
    if not DEBUG:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set, and with DEBUG off the shop refuses to start. {_MAKE_A_KEY}"
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif SECRET_KEY.strip() == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        f"SECRET_KEY is the public development key, which only DEBUG=1 may use. {_MAKE_A_KEY}"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "shop",
    "catalog",
    "promotions",
    "wishlists",
    "cart",
    # Before orders: its privacy part reads the customer's orders before orders anonymises them.
    "aftersales",
    "orders",
    "payments",
    "support",
    "accounts",
    # Django's admin with the shop's site: the technical sections kept apart (shop/admin_site.py).
    "shop.admin_site.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "csp",
    # Two-factor sign-in for staff (accounts/two_factor.py) and sign-in throttling (axes).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    # Outermost: a request id and one log line for every request, error pages included.
    "shop.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the settings' policy built once (shop/security_headers.py).
    "shop.security_headers.ContentSecurityPolicyMiddleware",
    "shop.security_headers.PermissionsPolicyMiddleware",
    "shop.security_headers.RejectNulCharactersMiddleware",
    "shop.security_headers.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # LocaleMiddleware that also honours ?lang= for one request (shop/i18n.py).
    "shop.i18n.QueryLanguageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The admin only for staff who passed their second factor (accounts/middleware.py).
    "accounts.middleware.StaffTwoFactorMiddleware",
    # Malformed row ids in admin actions are a 400, not a server error (shop/security_headers.py).
    "shop.security_headers.AdminActionSelectionMiddleware",
    # Last, as django-axes requires: turns a sign-in lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
                "cart.context_processors.cart",
                "catalog.context_processors.catalog",
            ],
        },
    }
]

# Database: DATABASE_URL in production; otherwise the embedded PostgreSQL.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from shop.embedded_db import database_settings

    DATABASES = {"default": database_settings(BASE_DIR / "var" / "postgres")}
DATABASES["default"].update(
    {
        "ATOMIC_REQUESTS": False,  # transactions are explicit, in services
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, with a health check that skips its SELECT 1 while the
    # connection's socket shows no sign of a restart (shop/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "shop.postgresql"
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
        # A database host that vanishes from the network (not one that refuses)
        # is noticed in about a minute instead of the kernel's two hours.
        # libpq ignores these on Unix sockets (the embedded server).
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": env.int("DATABASE_TCP_USER_TIMEOUT_MS", default=30000),
        # Nothing waits on the database forever: a query, a lock wait and a
        # transaction left open by a stuck process are all cut off server-side.
        "options": " ".join(
            [
                "-c statement_timeout={}".format(env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30000)),
                "-c lock_timeout={}".format(env.int("DATABASE_LOCK_TIMEOUT_MS", default=10000)),
                "-c idle_in_transaction_session_timeout={}".format(
                    env.int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=60000)
                ),
            ]
        ),
    }
)
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "shop.User"
# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "account:home"
LOGOUT_REDIRECT_URL = "catalog:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions live in PostgreSQL so any web process can serve any request; Django's
# database store, with one statement per read and per write (shop/sessions.py).
SESSION_ENGINE = "shop.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
# Flash messages in a signed cookie, then the session, as Django's default, with its stores made
# only for requests that use them (shop/messages.py).
MESSAGE_STORAGE = "shop.messages.LazyFallbackStorage"

# Local memory by default, one cache per process. Room for 5,000 entries (about 11 KB per cached
# product page, so at most ~55 MB): Django's default of 300 made busy workers evict and rebuild
# their product pages, crowded out by per-visitor "recently viewed" lists.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://shop?max_entries=5000")}

# Internationalisation
LANGUAGE_CODE = "en"
# Our own formats first (shop/formats/): thousands in Chinese amounts, unambiguous English dates.
FORMAT_MODULE_PATH = ["shop.formats"]
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")

# Static files and media
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Serve MEDIA_ROOT from Django itself on a single machine; a real deployment
# puts media on object storage or behind the web server instead.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The whole request body, uploads included, refused (413) before Django reads it. The reverse
# proxy should cap bodies at the same size (README, "Production").
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_MB", default=50) * 1024 * 1024

# Email: EMAIL_URL in django-environ form (smtp://..., consolemail://).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shop <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@localhost")
# Tries before an email is given up and shown to staff as failed (2, 4, 8... minutes apart).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
# Seconds an SMTP conversation may take before the attempt counts as failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Background work: the queue lives in PostgreSQL, so a task commits with the change that caused it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The shop
SHOP_NAME = env.str("SHOP_NAME", default="Maple & Pine")
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="CNY")
# The shop's postal address, printed on invoices and packing slips; "\n" separates lines.
SHOP_ADDRESS = env.str("SHOP_ADDRESS", default="", multiline=True)
CATALOG_PAGE_SIZE = 24
# Listing pages reachable by number; beyond them "next"/"previous" links and a last-page link
# read by sort key, so any page costs about what page 1 does. Counts stop at these pages' rows.
CATALOG_PAGE_NUMBER_LIMIT = env.int("CATALOG_PAGE_NUMBER_LIMIT", default=20)
# A search sorted by relevance ranks its newest this many matches (and an exact SKU): a common
# word matches a share of any catalogue, and ranking reads each ranked product's search document.
CATALOG_SEARCH_RANK_LIMIT = env.int("CATALOG_SEARCH_RANK_LIMIT", default=500)
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=600)
# Products per sitemap section page: ids 1-N on page 1, N+1-2N on page 2... Each product is listed at
# 3 addresses (plain, ?lang=en, ?lang=zh-hans), and the protocol allows 50,000 URLs a page.
CATALOG_SITEMAP_PAGE_SIZE = env.int("CATALOG_SITEMAP_PAGE_SIZE", default=10_000)
# Keep the catalogue revision in each process, told of changes by LISTEN/NOTIFY (catalog/revision.py):
# a warm page then costs no query. Off: one query per page, as without a listener.
CATALOG_REVISION_LISTEN = env.bool("CATALOG_REVISION_LISTEN", default=True)
# Seconds a process uses a held revision before reading it again, in case its listener's link
# died silently (notifications lost until TCP keepalive notices): a stale page lasts at most this.
CATALOG_REVISION_HELD_SECONDS = env.float("CATALOG_REVISION_HELD_SECONDS", default=30.0)
# Products one wishlist keeps (a customer's, or a guest's in the session): a list, not a catalogue.
WISHLIST_MAX_ITEMS = max(1, env.int("WISHLIST_MAX_ITEMS", default=100))

# Security. HTTPS defaults to on in production; `make serve` on a laptop turns it off.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"
# Browser features no page of the shop uses (shop.security_headers).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# The only MEDIA_ROOT folders the SERVE_MEDIA route serves; support attachments and anything
# added later stay private (staff download those through the admin).
MEDIA_PUBLIC_PREFIXES = ["products/", "thumbnails/"]


def _origin(url: str) -> list[str]:
    """The origin of an absolute URL (static or media on a CDN) as a CSP source, else nothing."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content Security Policy (django-csp): no inline script, style or event handler anywhere, the
# admin included (Django's admin has none; ours keep CSS and JS in static files). JSON-LD blocks
# are data, not script, and need no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_origin(STATIC_URL)],
        "style-src": ["'self'", *_origin(STATIC_URL)],
        "img-src": ["'self'", "data:", *_origin(STATIC_URL), *_origin(MEDIA_URL)],
        "font-src": ["'self'", *_origin(STATIC_URL)],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": HTTPS,
    }
}

# Structured logs (shop/logging.py): LOG_FORMAT=json (one JSON object a line, the
# production default) or text (key=value, the development default). Every line
# written while serving a request carries its request_id.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "shop.logging.JsonFormatter"},
        "text": {"()": "shop.logging.KeyValueFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every sign-in at INFO; its warnings (lockouts) are what matters.
    "loggers": {"pgserver": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Each area's own settings, read last: they build on the settings above (SITE_URL, SHOP_NAME, the
# email addresses). accounts: the admin's address, sign-in throttling, two-factor, the audit trail
# and the account pages' rate limits; orders: carts, orders, shipping, bank transfer and cash on
# delivery; payments: the online gateways (Stripe, Alipay, WeChat Pay); support: tickets by email
# and the contact form.
from shop.settings.accounts import *  # noqa: E402, F403
from shop.settings.aftersales import *  # noqa: E402, F403
from shop.settings.orders import *  # noqa: E402, F403
from shop.settings.payments import *  # noqa: E402, F403
from shop.settings.support import *  # noqa: E402, F403
