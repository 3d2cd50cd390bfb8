from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_catalogue_translates_every_message():
    entries = [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]

    untranslated = [entry.msgid for entry in entries if not entry.translated()]
    fuzzy = [entry.msgid for entry in entries if entry.fuzzy]

    assert entries
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source_catalogue():
    entries = [
        entry
        for entry in polib.pofile(str(CATALOGUE))
        if entry.translated() and not entry.msgid_plural and not entry.msgctxt
    ]

    with translation.override("zh-hans"):
        stale = [entry.msgid for entry in entries if translation.gettext(entry.msgid) != entry.msgstr]

    assert stale == []
