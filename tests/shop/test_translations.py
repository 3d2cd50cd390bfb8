from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from shop.money import format_money

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


def test_chinese_amounts_group_their_thousands_like_english_ones():
    with translation.override("zh-hans"):
        chinese = format_money(Decimal("1298.00"))
    with translation.override("en"):
        english = format_money(Decimal("1298.00"))

    assert chinese == english == "¥1,298.00"


def test_english_short_dates_name_the_month():
    moment = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    with translation.override("en"):
        english = date_format(moment, "SHORT_DATE_FORMAT")
    with translation.override("zh-hans"):
        chinese = date_format(moment, "SHORT_DATE_FORMAT")

    assert (english, chinese) == ("7 Dec 2026", "2026年12月7日")


@pytest.mark.django_db
def test_chinese_form_labels_end_in_a_chinese_colon(client):
    page = client.get(reverse("account:signup"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "电子邮箱地址\uff1a</label>" in page  # a full-width colon
    assert "电子邮箱地址:</label>" not in page


def test_djangos_own_password_messages_address_the_shopper_as_nin():
    with translation.override("zh-hans"):
        messages = " ".join(str(text) for text in password_validation.password_validators_help_texts())

    assert "您的密码" in messages
    assert "你" not in messages
