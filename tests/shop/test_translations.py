from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from orders.models import Shipment
from shop.money import format_money
from tests.factories import OrderFactory, ProductFactory, ShippingMethodFactory, VariantFactory

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


def test_english_dates_with_a_time_name_the_month_and_use_a_24_hour_clock():
    moment = datetime(2026, 12, 7, 12, 47, tzinfo=UTC)

    with translation.override("en"):
        assert date_format(moment, "DATETIME_FORMAT") == "7 Dec 2026, 12:47"
        assert date_format(moment, "DATE_FORMAT") == "7 Dec 2026"


@pytest.mark.django_db
def test_chinese_shipping_choices_skus_and_email_labels_use_a_chinese_colon(client):
    ShippingMethodFactory(code="express", name="Express", price=Decimal("25.00"), free_above=None)
    variant = VariantFactory(product=ProductFactory(slug="teapot"), sku="TEA-1", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    order = OrderFactory()
    shipment = Shipment.objects.create(order=order, carrier_name="顺丰", tracking_number="SF123")

    with translation.override("zh-hans"):
        checkout = client.get(reverse("orders:checkout"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        product = client.get("/products/teapot/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        shipped = render_to_string(
            "orders/emails/order_shipped.txt", {"order": order, "shipments": [shipment]}
        )

    assert "快递\uff1a¥25.00" in checkout
    assert "货号\uff1aTEA-1" in product
    assert "承运商\uff1a顺丰" in shipped
