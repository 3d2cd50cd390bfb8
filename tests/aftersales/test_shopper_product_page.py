"""The product page states the no-reason return, or why the product has none, in both languages."""

import pytest

from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def product_page(client, product, language="en") -> str:
    return client.get(product.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_product_states_the_seven_day_no_reason_return(client):
    product = VariantFactory().product

    assert "7-day no-reason return" in product_page(client, product)
    assert "7天无理由退货" in product_page(client, product, "zh-hans")


def test_an_exempt_product_states_why_it_has_no_no_reason_return(client):
    product = VariantFactory(product=ProductFactory(return_exemption="perishable")).product

    english = product_page(client, product)
    chinese = product_page(client, product, "zh-hans")

    assert "No 7-day no-reason return: Fresh, live or perishable goods" in english
    assert "不支持7天无理由退货\uff1a鲜活易腐的商品" in chinese


def test_the_window_length_comes_from_the_setting(client, settings):
    settings.AFTER_SALES_NO_REASON_DAYS = 10
    product = VariantFactory().product

    assert "10-day no-reason return" in product_page(client, product)
