"""The live automatic promotions as pricing rules: the window, the scope and the tiers, in one query."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from promotions.models import Promotion
from promotions.pricing import PromotionRule, Scope
from promotions.selectors import promotion_rules_live
from tests.factories import CategoryFactory, ProductFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def test_the_live_promotions_come_with_their_scope_and_tiers_in_one_query(django_assert_num_queries):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    product = ProductFactory()
    tiered = PromotionFactory(name="Holiday", tiers=[("500.00", "60.00"), ("200.00", "20.00")])
    tiered.categories.add(parent)
    tiered.products.add(product)
    percentage = PromotionFactory(name="Tea week", kind=Promotion.Kind.PERCENTAGE, percent=Decimal("15.00"))

    # Was the promotions, then their products, categories and tiers: four queries (five with a
    # category chosen, which reads the category tree); now the tree alone comes on top.
    with django_assert_num_queries(2):
        rules = promotion_rules_live()

    assert rules == [
        PromotionRule(
            id=tiered.pk,
            name="Holiday",
            kind=Promotion.Kind.SPEND_AND_SAVE,
            scope=Scope(product_ids=frozenset({product.pk}), category_ids=frozenset({parent.pk, child.pk})),
            percent=None,
            tiers=((Decimal("200.00"), Decimal("20.00")), (Decimal("500.00"), Decimal("60.00"))),
        ),
        PromotionRule(
            id=percentage.pk,
            name="Tea week",
            kind=Promotion.Kind.PERCENTAGE,
            scope=Scope(product_ids=frozenset(), category_ids=frozenset()),
            percent=Decimal("15.00"),
            tiers=(),
        ),
    ]


def test_a_promotion_is_live_from_its_start_until_just_before_its_end():
    now = timezone.now()
    window = PromotionFactory(valid_from=now, valid_until=now + timedelta(hours=1))
    PromotionFactory(is_active=False)

    live_at = {
        moment: [rule.id for rule in promotion_rules_live(moment=moment)]
        for moment in (now - timedelta(microseconds=1), now, now + timedelta(hours=1))
    }

    assert live_at == {
        now - timedelta(microseconds=1): [],
        now: [window.pk],
        now + timedelta(hours=1): [],
    }


def test_no_live_promotion_costs_one_query(django_assert_num_queries):
    PromotionFactory(valid_until=timezone.now() - timedelta(days=1))

    with django_assert_num_queries(1):
        assert promotion_rules_live() == []
