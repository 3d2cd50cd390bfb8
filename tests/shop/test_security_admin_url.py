"""The admin's address comes from ADMIN_URL; robots.txt never announces a custom one."""

import importlib

import pytest
from django.urls import clear_url_caches, reverse

import shop.urls
from tests.factories import StaffUserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


def _urls_reload() -> None:
    importlib.reload(shop.urls)
    clear_url_caches()


@pytest.fixture
def admin_at_staff_area(settings):
    original = settings.ADMIN_URL
    settings.ADMIN_URL = "staff-area/"
    _urls_reload()
    yield
    settings.ADMIN_URL = original
    _urls_reload()


def test_the_admin_is_at_admin_by_default_and_robots_txt_keeps_crawlers_out(client, settings):
    robots = client.get("/robots.txt").content.decode()

    assert settings.ADMIN_URL == "admin/"
    assert reverse("admin:index") == "/admin/"
    assert "Disallow: /admin/\n" in robots


@pytest.mark.usefixtures("admin_at_staff_area")
def test_a_custom_admin_url_moves_the_admin_and_the_two_factor_gate(client):
    staff_login(client, StaffUserFactory())

    moved = client.get("/staff-area/")
    old = client.get("/admin/")

    assert reverse("admin:index") == "/staff-area/"
    assert moved.status_code == 200
    assert moved["X-Robots-Tag"] == "noindex, nofollow"
    assert old.status_code == 404


@pytest.mark.usefixtures("admin_at_staff_area")
def test_a_custom_admin_url_still_asks_staff_for_their_code(client):
    client.force_login(StaffUserFactory())

    response = client.get("/staff-area/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account:two_factor") + "?next=%2Fstaff-area%2F"


@pytest.mark.usefixtures("admin_at_staff_area")
def test_robots_txt_does_not_announce_a_custom_admin_url(client):
    robots = client.get("/robots.txt").content.decode()

    assert "staff-area" not in robots
    assert "admin" not in robots
    assert "Disallow: /account/\n" in robots
