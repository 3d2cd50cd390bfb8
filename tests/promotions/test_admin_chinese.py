"""The promotions admin in Chinese: lists, forms, messages and statuses all read in Chinese."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import CouponFactory, PromotionFactory, StaffUserFactory
from tests.helpers import staff_login
from tests.promotions.admin_helpers import (
    COUPON_ADD,
    COUPONS,
    GENERATE,
    PROMOTION_ADD,
    PROMOTIONS,
    coupon_post,
    promotion_post,
)

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def test_the_coupon_list_reads_in_chinese(staff_client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    CouponFactory(
        code="SPRING10",
        campaign="春季邮件",
        max_discount=Decimal("50.00"),
        valid_until=datetime(2027, 1, 1, 16, 0, tzinfo=UTC),
        min_spend=Decimal("199.00"),
        uses_total=10,
        uses_count=3,
        uses_per_customer=1,
        first_order_only=True,
    )
    CouponFactory(code="SHIP", kind="free_shipping", value=0)

    page = staff_client.get(COUPONS, **CHINESE).content.decode()

    for text in [
        "优惠券",
        "批量生成优惠码",
        "减 10%",
        "最多减 ¥50.00",
        "2027年1月2日 00:00 止",
        "满 ¥199.00 可用",
        "3 / 10",
        "每人 1 次",
        "包邮",
        "进行中",
        "停用所选优惠券",
        "下载优惠码\uff08CSV\uff09",
        "按优惠码或活动名称搜索",
        "仅限首单",
    ]:
        assert text in page, text


def test_the_coupon_form_and_its_messages_read_in_chinese(staff_client):
    form = staff_client.get(COUPON_ADD, **CHINESE).content.decode()
    refused = staff_client.post(COUPON_ADD, coupon_post(code="满减 20", value="0"), **CHINESE)

    for label in ["优惠码", "最低消费", "总可用次数", "每位顾客可用次数", "生效时间"]:
        assert f"{label}\uff1a</label>" in form, label  # a full-width colon
    assert "使用限制" in form
    refused = refused.content.decode()
    assert "优惠码只能使用字母 A–Z、数字 0–9、“-”和“_”，不能有“满”、“减”、“空格”。" in refused  # noqa: RUF001
    assert "折扣百分比必须大于 0，且不超过 100。" in refused  # noqa: RUF001


def test_the_generate_form_reads_in_chinese(staff_client):
    page = staff_client.get(GENERATE, **CHINESE).content.decode()

    for label in ["优惠码数量", "前缀", "随机字符数", "每个优惠码可用次数"]:
        assert f"{label}\uff1a</label>" in page, label
    assert "批量生成优惠码" in page
    assert "生成并下载" in page


def test_the_promotion_list_and_form_read_in_chinese(staff_client):
    PromotionFactory(name="年终满减", tiers=[("200.00", "20.00")])
    promotion = PromotionFactory(name="茶叶周", kind="percentage", percent=Decimal("15.00"))

    listed = staff_client.get(PROMOTIONS, **CHINESE).content.decode()
    form = staff_client.get(reverse("admin:promotions_promotion_change", args=[promotion.pk]), **CHINESE)
    refused = staff_client.post(PROMOTION_ADD, promotion_post(), **CHINESE).content.decode()

    for text in ["自动促销", "满 ¥200.00 减 ¥20.00", "减 15%", "满减", "百分比折扣"]:
        assert text in listed, text
    assert "消费满" in form.content.decode()
    assert "满减促销至少需要一个档位。" in refused
