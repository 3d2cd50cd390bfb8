from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings


@pytest.fixture(autouse=True)
def _support_addresses(settings):
    """Our addresses as the sample messages in emails/ know them."""
    settings.SUPPORT_EMAIL = "Maple & Pine Support <support@shop.test>"
    settings.SUPPORT_FROM_EMAIL = "Maple & Pine <support@shop.test>"
    settings.DEFAULT_FROM_EMAIL = "Maple & Pine <shop@shop.test>"
    settings.SERVER_EMAIL = "shop@shop.test"
    settings.SUPPORT_NOTIFY_EMAIL = "team@shop.test"
    settings.SUPPORT_REPLY_DOMAIN = ""
    settings.SITE_URL = "https://shop.test"
    settings.SUPPORT_RATE_LIMIT_PER_EMAIL = 5
    settings.SUPPORT_RATE_LIMIT_PER_IP = 10


@pytest.fixture
def zh_hans_catalogue(settings, tmp_path):
    """The project's Chinese catalogue plus this area's fragment, compiled for the test.

    So emails and pages can be checked in Chinese before and after the lead merges the fragment.
    """
    locale = Path(django_settings.BASE_DIR) / "locale"
    merged = polib.POFile()
    merged.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for path in (locale / "fragments" / "support.po", locale / "zh_Hans" / "LC_MESSAGES" / "django.po"):
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
