"""The automatic promotion admin: the form, its spend-and-save tiers, the list and its status filter."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from promotions.models import Promotion, PromotionTier
from tests.factories import CategoryFactory, PromotionFactory, StaffUserFactory
from tests.helpers import staff_login
from tests.promotions.admin_helpers import PROMOTION_ADD, PROMOTIONS, promotion_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def _tier_errors(response) -> list[str]:
    formset = response.context["inline_admin_formsets"][0].formset
    return [str(error) for error in formset.non_form_errors()]


def _row_errors(response, index: int, field: str) -> list[str]:
    formset = response.context["inline_admin_formsets"][0].formset
    return [str(error) for error in formset.forms[index].errors.get(field, [])]


def _field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["adminform"].form.errors.get(field, [])]


def test_a_spend_and_save_promotion_is_saved_with_its_tiers(staff_client):
    tea = CategoryFactory()

    response = staff_client.post(
        PROMOTION_ADD, promotion_post(("200", "20"), ("500", "60"), categories=[tea.pk])
    )

    promotion = Promotion.objects.get()
    assert response.status_code == 302
    assert list(promotion.tiers.values_list("threshold", "amount")) == [
        (Decimal("200.00"), Decimal("20.00")),
        (Decimal("500.00"), Decimal("60.00")),
    ]
    assert list(promotion.categories.all()) == [tea]


def test_a_percentage_promotion_needs_its_percent_and_no_tiers(staff_client):
    response = staff_client.post(PROMOTION_ADD, promotion_post(kind="percentage", percent="15"))

    assert response.status_code == 302
    assert Promotion.objects.get().percent == Decimal("15.00")


@pytest.mark.parametrize(
    ("tiers", "fields", "message"),
    [
        ((), {}, "A spend-and-save promotion needs at least one tier."),
        (
            (("200", "20"),),
            {"kind": "percentage", "percent": "10"},
            "A percentage promotion has no tiers: delete them, or choose spend and save.",
        ),
        (
            (("200", "20"), ("500", "20")),
            {},
            "Each tier must save more than the one below; the tier from ¥500.00 does not.",
        ),
    ],
)
def test_tiers_that_do_not_fit_the_kind_are_refused(staff_client, tiers, fields, message):
    response = staff_client.post(PROMOTION_ADD, promotion_post(*tiers, **fields))

    assert response.status_code == 200
    assert _tier_errors(response) == [message]
    assert not Promotion.objects.exists()


@pytest.mark.parametrize(
    ("tier", "field", "message"),
    [
        (("200", "200"), "amount", "The saving must be less than the spend it needs."),
        (("200", "250"), "amount", "The saving must be less than the spend it needs."),
        (("200", "0"), "amount", "Must be more than 0."),
        (("0", "10"), "threshold", "Must be more than 0."),
        (("abc", "10"), "threshold", "Enter a number."),
    ],
)
def test_a_tier_saving_more_than_its_spend_is_refused(staff_client, tier, field, message):
    response = staff_client.post(PROMOTION_ADD, promotion_post(tier))

    assert response.status_code == 200
    assert _row_errors(response, 0, field) == [message]
    assert not PromotionTier.objects.exists()


def test_two_tiers_with_one_threshold_are_refused(staff_client):
    response = staff_client.post(PROMOTION_ADD, promotion_post(("200", "20"), ("200", "30")))

    assert response.status_code == 200
    assert not Promotion.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "percentage", "percent": ""}, "percent", "Enter the percentage off."),
        (
            {"kind": "percentage", "percent": "0"},
            "percent",
            "A percentage off must be more than 0 and at most 100.",
        ),
        ({"percent": "10"}, "percent", "Only a percentage promotion has a percentage off: leave it empty."),
        ({"products": ["abc"]}, "products", "“abc” is not a valid value."),
        (
            {
                "valid_from_0": "2026-12-08",
                "valid_from_1": "10:00",
                "valid_until_0": "2026-12-01",
                "valid_until_1": "10:00",
            },
            "valid_until",
            "The end must be after the start.",
        ),
    ],
)
def test_the_promotion_form_explains_each_problem(staff_client, fields, field, message):
    response = staff_client.post(PROMOTION_ADD, promotion_post(("200", "20"), **fields))

    assert response.status_code == 200
    assert _field_errors(response, field) == [message]
    assert not Promotion.objects.exists()


def test_deleting_the_last_tier_of_a_spend_and_save_promotion_is_refused(staff_client):
    promotion = PromotionFactory(tiers=[("200.00", "20.00")])
    tier = promotion.tiers.get()
    data = promotion_post(("200", "20"), initial=1, name=promotion.name)
    data.update({"tiers-0-id": str(tier.pk), "tiers-0-promotion": str(promotion.pk), "tiers-0-DELETE": "on"})

    response = staff_client.post(reverse("admin:promotions_promotion_change", args=[promotion.pk]), data)

    assert _tier_errors(response) == ["A spend-and-save promotion needs at least one tier."]
    assert promotion.tiers.count() == 1


def test_the_list_shows_tiers_as_spend_and_save(staff_client):
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    PromotionFactory(name="Tea week", kind=Promotion.Kind.PERCENTAGE, percent=Decimal("15.00"))

    page = staff_client.get(PROMOTIONS).content.decode()

    assert "¥20.00 off from ¥200.00" in page
    assert "¥60.00 off from ¥500.00" in page
    assert "15% off" in page


def test_the_list_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for number in range(20):
        PromotionFactory(tiers=[("200.00", "20.00"), (f"{300 + number}.00", "40.00")])

    with django_assert_max_num_queries(12):
        response = staff_client.get(PROMOTIONS)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC), {"live": {"December"}, "scheduled": {"January"}}),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), {"live": {"January"}, "ended": {"December"}}),
    ],
)
def test_the_status_filter_follows_midnight_in_shanghai(
    staff_client, settings, monkeypatch, moment, expected
):
    settings.TIME_ZONE = "Asia/Shanghai"
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    PromotionFactory(name="December", valid_until=new_year, tiers=[("200.00", "20.00")])
    PromotionFactory(name="January", valid_from=new_year, tiers=[("200.00", "20.00")])
    monkeypatch.setattr(timezone, "now", lambda: moment)

    listed = {
        status: {
            row.name for row in staff_client.get(PROMOTIONS, {"status": status}).context["cl"].result_list
        }
        for status in expected
    }

    assert listed == expected


def test_the_promotion_status_filter_offers_no_used_up(staff_client):
    PromotionFactory(tiers=[("200.00", "20.00")])

    response = staff_client.get(PROMOTIONS, {"status": "used_up"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert "Used up" not in response.content.decode()
