"""The 400, 403, 404 and 500 pages and the CSRF failure page: friendly, translated, leak nothing,
and render while the database is down."""

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from shop import urls as shop_urls
from shop import views
from tests.factories import ProductFactory, VariantFactory
from tests.security.urls_errors import SECRET_DETAIL

pytestmark = pytest.mark.django_db

ERROR_URLS = "tests.security.urls_errors"
LEAKS = (SECRET_DETAIL, "Traceback", "RuntimeError", "PermissionDenied", "SuspiciousOperation", "Resolver404")


@pytest.fixture
def browser_client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def database_down(settings):
    """Every new database connection fails, as when PostgreSQL is down; restored afterwards."""
    saved = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict["HOST"] = "/nonexistent-postgres-socket-dir"
    connection.settings_dict["PORT"] = "1"
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 1}
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def _text(response) -> str:
    return response.content.decode()


def test_the_error_handlers_and_the_csrf_view_are_ours():
    assert shop_urls.handler400 == "shop.views.bad_request"
    assert shop_urls.handler403 == "shop.views.permission_denied"
    assert shop_urls.handler404 == "shop.views.page_not_found"
    assert shop_urls.handler500 == "shop.views.server_error"


def test_unknown_page_is_a_friendly_404_in_the_site_layout(browser_client):
    VariantFactory(product=ProductFactory(name="Clay teapot", is_featured=True))

    response = browser_client.get("/no/such/page/")

    assert response.status_code == 404
    html = _text(response)
    assert "Page not found" in html
    assert 'class="language-switch"' in html
    assert 'name="robots" content="noindex"' in html
    assert not any(leak in html for leak in LEAKS)


def test_unknown_product_is_the_same_404(browser_client):
    response = browser_client.get("/products/no-such-product/")

    assert response.status_code == 404
    assert "Page not found" in _text(response)


@pytest.mark.urls(ERROR_URLS)
def test_server_error_is_a_standalone_500_that_leaks_nothing(browser_client):
    response = browser_client.get("/test-errors/crash/")

    assert response.status_code == 500
    html = _text(response)
    assert "Something went wrong" in html
    assert "check your email for a confirmation" in html
    assert not any(leak in html for leak in LEAKS)
    assert 'class="language-switch"' not in html


def test_the_500_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = views.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in _text(response)


@pytest.mark.urls(ERROR_URLS)
def test_permission_denied_is_a_friendly_403(browser_client):
    response = browser_client.get("/test-errors/forbidden/")

    assert response.status_code == 403
    html = _text(response)
    assert "Access denied" in html
    assert not any(leak in html for leak in LEAKS)


@pytest.mark.urls(ERROR_URLS)
def test_suspicious_request_is_a_friendly_400(browser_client):
    response = browser_client.get("/test-errors/suspicious/")

    assert response.status_code == 400
    html = _text(response)
    assert "Bad request" in html
    assert not any(leak in html for leak in LEAKS)


def test_unknown_host_is_a_friendly_400(browser_client):
    response = browser_client.get("/", headers={"host": "evil.example.com"})

    assert response.status_code == 400
    html = _text(response)
    assert "Bad request" in html
    assert "evil.example.com" not in html


def test_nul_in_the_query_string_is_a_400_not_a_database_error(browser_client):
    response = browser_client.get("/products/", {"q": "tea\x00pot"})

    assert response.status_code == 400
    assert "Bad request" in _text(response)


def test_nul_in_the_session_cookie_is_a_400_not_a_database_error(browser_client):
    response = browser_client.get("/account/", headers={"cookie": 'sessionid="abcdefgh\\000ij"'})

    assert response.status_code == 400
    assert "Bad request" in _text(response)


def test_nul_in_a_header_is_a_400(browser_client):
    response = browser_client.get("/", headers={"accept-language": "zh-hans\x00", "user-agent": "x\x00y"})

    assert response.status_code == 400


def test_form_without_csrf_token_explains_cookies_and_hides_the_reason():
    variant = VariantFactory()
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    assert response.status_code == 403
    html = _text(response)
    assert "Your form expired" in html
    assert "allow cookies for this site" in html
    assert "CSRF" not in html
    assert "Forbidden (" not in html


@pytest.mark.urls(ERROR_URLS)
@pytest.mark.parametrize(
    ("url", "status", "heading", "english"),
    [
        ("/no/such/page/", 404, "找不到页面", "We could not find the page"),
        ("/test-errors/crash/", 500, "出错了", "Something went wrong"),
        ("/test-errors/forbidden/", 403, "无权访问", "Access denied"),
        ("/test-errors/suspicious/", 400, "请求无效", "Bad request"),
    ],
)
def test_error_pages_are_translated(browser_client, url, status, heading, english):
    response = browser_client.get(url, headers={"accept-language": "zh-hans"})

    assert response.status_code == status
    html = _text(response)
    assert heading in html
    assert "返回商店" in html
    assert english not in html


def test_csrf_failure_page_is_translated():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)

    response = client.post("/cart/add/", {"variant": 1}, headers={"accept-language": "zh-hans"})

    assert response.status_code == 403
    assert "表单已过期" in _text(response)
    assert "Your form expired" not in _text(response)


@pytest.mark.django_db(transaction=True)
def test_404_still_renders_while_the_database_is_down(browser_client, database_down):
    response = browser_client.get("/no/such/page/")

    assert response.status_code == 404
    html = _text(response)
    assert "Page not found" in html
    assert 'class="language-switch"' not in html  # the standalone layout
    assert not any(leak in html for leak in LEAKS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(ERROR_URLS)
def test_500_still_renders_while_the_database_is_down(browser_client, database_down):
    response = browser_client.get("/test-errors/crash/")

    assert response.status_code == 500
    assert "Something went wrong" in _text(response)


@pytest.mark.django_db(transaction=True)
def test_csrf_failure_still_renders_while_the_database_is_down(database_down):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)

    response = client.post("/cart/add/", {"variant": 1})

    assert response.status_code == 403
    assert "Your form expired" in _text(response)
