"""Settings for the shop, all read from the environment (DESIGN.md, Configuration).

Development defaults just work; production sets DEBUG=0 and real values, and
refuses to start without a SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG=0) refuses to start without one: "
            "set SECRET_KEY to a long random string, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "shop",
    "catalog",
    "cart",
    "orders",
    "support",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
        "ATOMIC_REQUESTS": False,  # transactions are explicit, in services (T1)
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
)
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
        "options": "-c statement_timeout={}".format(env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30000)),
    }
)
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "shop.User"
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

# Sessions live in PostgreSQL so any web process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://shop")}

# Internationalisation
LANGUAGE_CODE = "en"
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

# Email: EMAIL_URL in django-environ form (smtp://..., consolemail://).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shop <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@localhost")
# Tries before an email is given up and shown to staff as failed (2, 4, 8... minutes apart).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)

# Background work: the queue lives in PostgreSQL (DESIGN.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The shop
SHOP_NAME = env.str("SHOP_NAME", default="Maple & Pine")
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="CNY")
CATALOG_PAGE_SIZE = 24
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=600)

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# Orders (cart/ and orders/ apps)
# Unpaid orders (not cash on delivery) are cancelled by `manage.py cancel_unpaid_orders` after this.
ORDER_PAYMENT_TIMEOUT = timedelta(minutes=env.int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=24 * 60))
# Staff address for new-order notices.
ORDERS_NOTIFY_EMAIL = env.str("ORDERS_NOTIFY_EMAIL", default=SUPPORT_EMAIL or DEFAULT_FROM_EMAIL)
# Seconds an SMTP conversation may take before the attempt counts as failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Bank details shown to shoppers who pay by bank transfer; bank transfer is
# offered only when an account number is set (development shows demo details).
SHOP_BANK_ACCOUNT_NAME = env.str("SHOP_BANK_ACCOUNT_NAME", default=SHOP_NAME)
SHOP_BANK_NAME = env.str("SHOP_BANK_NAME", default="Demo Bank" if DEBUG else "")
SHOP_BANK_ACCOUNT_NUMBER = env.str("SHOP_BANK_ACCOUNT_NUMBER", default="0000 0000 0000 0000" if DEBUG else "")
SHOP_BANK_SWIFT = env.str("SHOP_BANK_SWIFT", default="")
# Countries (ISO codes) where cash on delivery is offered.
SHOP_COD_COUNTRIES = env.list("SHOP_COD_COUNTRIES", default=["CN"])

# Support (support/ app): tickets by email and the contact form.
# Mailbox fetched by `manage.py fetch_support_mail`: imaps://user:pass@host:993/INBOX or
# imap+starttls://user:pass@host:143/INBOX. TLS is required; plaintext IMAP is refused.
SUPPORT_IMAP_URL = env.str("SUPPORT_IMAP_URL", default="")
# A CA bundle to trust for the IMAP server (a private CA); empty means the system's.
SUPPORT_IMAP_CA_FILE = env.str("SUPPORT_IMAP_CA_FILE", default="")
SUPPORT_IMAP_TIMEOUT = env.int("SUPPORT_IMAP_TIMEOUT", default=30)
# Replies route back through support+<token>@<this domain>; empty means SUPPORT_EMAIL's domain.
SUPPORT_REPLY_DOMAIN = env.str("SUPPORT_REPLY_DOMAIN", default="")
# The From of support mail, and where new tickets and replies are announced when nobody is assigned.
SUPPORT_FROM_EMAIL = env.str("SUPPORT_FROM_EMAIL", default=SUPPORT_EMAIL)
SUPPORT_NOTIFY_EMAIL = env.str("SUPPORT_NOTIFY_EMAIL", default=SUPPORT_EMAIL)
# Attachments (contact form and inbound mail): per-file size, count per message, allowed extensions.
SUPPORT_ATTACHMENT_MAX_BYTES = env.int("SUPPORT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
SUPPORT_ATTACHMENT_MAX_COUNT = env.int("SUPPORT_ATTACHMENT_MAX_COUNT", default=10)
SUPPORT_ATTACHMENT_EXTENSIONS = env.list(
    "SUPPORT_ATTACHMENT_EXTENSIONS",
    default=["jpg", "jpeg", "png", "gif", "webp", "pdf", "txt", "csv", "doc", "docx", "xls", "xlsx", "eml"],
)
# Contact form rate limits: tickets per address and per IP within the window.
SUPPORT_RATE_LIMIT_PER_EMAIL = env.int("SUPPORT_RATE_LIMIT_PER_EMAIL", default=5)
SUPPORT_RATE_LIMIT_PER_IP = env.int("SUPPORT_RATE_LIMIT_PER_IP", default=10)
SUPPORT_RATE_LIMIT_WINDOW = timedelta(minutes=env.int("SUPPORT_RATE_LIMIT_WINDOW_MINUTES", default=60))
