import pytest
from django.db import connection

from shop.ngrams import cjk_terms_split, has_cjk

pytestmark = pytest.mark.django_db


def sql(expression: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", params)
        return cursor.fetchone()[0]


def test_ngrams_of_cjk_text_are_its_characters_and_adjacent_pairs_within_each_run():
    grams = sql("shop_cjk_ngrams(%s)", "西湖龙井 tea 茶")

    assert sorted(grams) == sorted(["西", "湖", "龙", "井", "西湖", "湖龙", "龙井", "茶"])


def test_text_without_cjk_has_no_ngrams():
    assert sql("shop_cjk_ngrams(%s)", "Green tea, POT-4411") == []
    assert sql("shop_cjk_ngrams(NULL)") == []


def test_a_cjk_term_queries_the_and_of_its_pairs_or_its_single_character():
    assert sql("shop_cjk_ngram_query(%s)::text", "西湖龙井") == "'西湖' & '湖龙' & '龙井'"
    assert sql("shop_cjk_ngram_query(%s)::text", "茶") == "'茶'"
    assert sql("shop_cjk_ngram_query(%s)::text", "绿茶tea") == "'绿茶'"


def test_a_cjk_term_with_query_syntax_around_it_is_data_not_syntax():
    assert sql("shop_cjk_ngram_query(%s)::text", "'茶'|!(") == "'茶'"


def test_query_terms_split_into_cjk_terms_and_the_remaining_words():
    assert cjk_terms_split("绿茶 green  tea 龙井") == (["绿茶", "龙井"], "green tea")
    assert cjk_terms_split("POT-4411") == ([], "POT-4411")
    assert has_cjk("かな") and has_cjk("한글") and not has_cjk("tea")
