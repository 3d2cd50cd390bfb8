"""Security headers, the Content Security Policy and the production settings (``check --deploy``)."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse

from shop.security_headers import ContentSecurityPolicyMiddleware
from tests.factories import ProductFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def _production_environment(**extra: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_NAME")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example.com",
        CSRF_TRUSTED_ORIGINS="https://shop.example.com",
        HTTPS="1",
        DJANGO_SETTINGS_MODULE="shop.settings",
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_storefront_pages_send_the_strict_content_security_policy(client):
    response = client.get("/")

    assert response.status_code == 200
    assert _policy(response) == STRICT_POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_every_response_carries_the_other_security_headers(client):
    variant = VariantFactory(product=ProductFactory(slug="teapot"))

    for url in ["/", f"/products/{variant.product.slug}/", "/cart/", "/no-such-page/", "/healthz"]:
        response = client.get(url)

        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert (
            response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_the_admin_runs_under_the_same_strict_policy(client):
    staff = StaffUserFactory()
    staff_login(client, staff)

    response = client.get(reverse("admin:catalog_product_changelist"))

    assert response.status_code == 200
    assert _policy(response) == STRICT_POLICY


def test_https_redirect_exempts_only_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    page = client.get("/products/?page=2")
    health = client.get("/healthz")

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/products/?page=2"
    assert health.status_code == 200


def test_hsts_is_sent_over_https_with_a_year_subdomains_and_preload(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_session_csrf_and_language_cookies_are_httponly_and_samesite(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    variant = VariantFactory(product=ProductFactory(slug="teapot"))
    client.get("/products/teapot/")

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, secure=True)

    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"], name
        assert cookie["secure"], name
        assert cookie["samesite"] == "Lax", name
    assert response.status_code == 302


def test_production_settings_turn_every_protection_on():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'hsts_subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'hsts_preload': s.SECURE_HSTS_PRELOAD, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY, "
        "'session_samesite': s.SESSION_COOKIE_SAMESITE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'csrf_httponly': s.CSRF_COOKIE_HTTPONLY, 'language_secure': s.LANGUAGE_COOKIE_SECURE, "
        "'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF, 'referrer': s.SECURE_REFERRER_POLICY, "
        "'frames': s.X_FRAME_OPTIONS, 'upgrade': s.CONTENT_SECURITY_POLICY['DIRECTIVES']"
        "['upgrade-insecure-requests'], 'debug': s.DEBUG}))"
    )

    result = _run(["-c", script], _production_environment())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "ssl_redirect": True,
        "hsts": 31536000,
        "hsts_subdomains": True,
        "hsts_preload": True,
        "session_secure": True,
        "session_httponly": True,
        "session_samesite": "Lax",
        "csrf_secure": True,
        "csrf_httponly": True,
        "language_secure": True,
        "nosniff": True,
        "referrer": "same-origin",
        "frames": "DENY",
        "upgrade": True,
        "debug": False,
    }


def test_check_deploy_passes_without_a_single_warning_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_environment()
    del env["SECRET_KEY"]

    result = _run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_policy_built_once_is_the_one_django_csp_builds_and_follows_the_settings(client, settings):
    first = client.get("/")["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "connect-src": ["'none'"]}
    }
    changed = client.get("/")["Content-Security-Policy"]

    assert first != changed
    assert changed == build_policy()
    assert "connect-src 'none'" in changed


def test_a_response_that_updates_its_policy_still_gets_its_update(rf):
    def view(request):
        response = HttpResponse("pay")
        response._csp_update = {"form-action": ["https://pay.example.com"]}
        return response

    middleware = ContentSecurityPolicyMiddleware(view)
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("page"))

    updated = _policy(middleware(rf.get("/pay/")))
    unchanged = _policy(plain(rf.get("/")))

    assert updated["form-action"] == ["'self'", "https://pay.example.com"]
    assert unchanged["form-action"] == ["'self'"]
