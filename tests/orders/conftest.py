from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings

LOCALE = Path(django_settings.BASE_DIR) / "locale"
CATALOGUES = [LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po", LOCALE / "fragments" / "orders.po"]


@pytest.fixture
def zh_hans_catalogue(settings, tmp_path):
    """The Simplified Chinese translations of this area, compiled for the test.

    Reads the project catalogue and this area's fragment (whichever exist), so
    emails and messages can be checked in Chinese before and after the merge.
    """
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
    yield
