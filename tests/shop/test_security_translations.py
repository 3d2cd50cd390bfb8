"""Account-security and privacy pages in Simplified Chinese (locale/fragments/sec_accounts.po)."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOCALE = Path(django_settings.BASE_DIR) / "locale"
CATALOGUES = [LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po", *sorted((LOCALE / "fragments").glob("*.po"))]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


@pytest.fixture
def zh_hans(settings, tmp_path):
    """The project catalogue plus every fragment, compiled for the test (before and after the merge)."""
    merged = polib.POFile()
    merged.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for path in CATALOGUES:
        if not path.exists():
            continue
        for entry in polib.pofile(str(path)):
            key = (entry.msgctxt, entry.msgid)
            if entry.msgid and entry.translated() and key not in seen:
                seen.add(key)
                merged.append(entry)
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    merged.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


@pytest.mark.usefixtures("zh_hans")
def test_the_lockout_page_is_in_chinese(client):
    UserFactory(email="ann@example.com")

    for _ in range(5):
        response = client.post(
            reverse("account:login"),
            {"username": "ann@example.com", "password": "wrong-guess"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    page = response.content.decode()
    assert response.status_code == 429
    assert "登录已暂停" in page
    assert "暂停该账户登录 15 分钟" in page


@pytest.mark.usefixtures("zh_hans")
def test_the_two_factor_pages_are_in_chinese(client):
    client.force_login(StaffUserFactory())

    setup = client.get(reverse("account:two_factor"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "设置双重验证登录" in setup
    assert "应用中显示的六位数验证码" in setup


@pytest.mark.usefixtures("zh_hans")
def test_the_code_page_is_in_chinese(client):
    staff = StaffUserFactory()
    TOTPDevice.objects.create(user=staff, confirmed=True)
    client.force_login(staff)

    page = client.post(
        reverse("account:two_factor_verify"), {"code": "000000x"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "输入登录验证码" in page
    assert "八个字符的备用码" in page


@pytest.mark.usefixtures("zh_hans")
def test_the_privacy_pages_are_in_chinese(client):
    client.force_login(UserFactory(email_verified_at=timezone.now()))

    privacy = client.get(reverse("account:privacy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    delete = client.post(
        reverse("account:account_delete"), {"current_password": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "下载我的数据" in privacy
    assert "确认您要删除账户" in delete
