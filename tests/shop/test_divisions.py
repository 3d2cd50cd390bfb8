"""Mainland China's divisions: loaded from the committed data, read by level, checked as a path."""

import pytest
from django.core.exceptions import ValidationError

from shop.divisions import (
    division_children_list,
    division_path_check,
    division_province_list,
    division_rows_load,
)
from shop.models import Division

pytestmark = pytest.mark.django_db


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in error.message_dict.items()}


def test_the_migration_loads_every_province_city_and_district():
    counts = {level: Division.objects.filter(level=level).count() for level in Division.Level.values}

    assert counts == {"province": 31, "city": 342, "district": 2978}


def test_loading_again_changes_nothing():
    before = list(Division.objects.values_list("code", "name", "level", "parent_id").order_by("code"))

    loaded = division_rows_load(model=Division)

    assert loaded == 3351
    assert list(Division.objects.values_list("code", "name", "level", "parent_id").order_by("code")) == before


def test_a_municipality_city_level_reads_as_the_province_never_as_shixiaqu():
    path = division_path_check(province="11", city="1101", district="110101")

    assert (path.province.name, path.city.name, path.district.name) == ("北京市", "北京市", "东城区")
    assert not Division.objects.filter(name="市辖区").exists()


def test_provinces_are_listed_by_code():
    provinces = division_province_list()

    assert len(provinces) == 31
    assert (provinces[0].code, provinces[0].name) == ("11", "北京市")
    assert (provinces[-1].code, provinces[-1].name) == ("65", "新疆维吾尔自治区")


def test_children_of_a_province_are_its_cities_and_of_a_city_its_districts():
    cities = division_children_list(code="44")
    districts = division_children_list(code="4401")

    assert [city.name for city in cities][:3] == ["广州市", "韶关市", "深圳市"]
    assert len(cities) == 21
    assert [district.code for district in districts][:2] == ["440103", "440104"]
    assert all(district.level == "district" for district in districts)


@pytest.mark.parametrize("code", ["440106", "99", "", "44'; --"])
def test_a_district_or_a_made_up_code_has_no_children(code):
    assert division_children_list(code=code) == []


def test_a_consistent_path_returns_its_three_divisions():
    path = division_path_check(province="44", city="4401", district="440106")

    assert (path.province.name, path.city.name, path.district.name) == ("广东省", "广州市", "天河区")


def test_a_city_outside_the_province_is_refused_by_name():
    with pytest.raises(ValidationError) as refused:
        division_path_check(province="44", city="3301", district="330106")

    assert _messages(refused.value) == {
        "city": ["That city is not in the province chosen; please choose the city again."]
    }


def test_a_district_outside_the_city_is_refused():
    with pytest.raises(ValidationError) as refused:
        division_path_check(province="44", city="4401", district="440304")

    assert _messages(refused.value) == {
        "district": ["That district is not in the city chosen; please choose the district again."]
    }


def test_made_up_codes_and_codes_of_the_wrong_level_are_refused():
    with pytest.raises(ValidationError) as refused:
        division_path_check(province="4401", city="4499", district="999999")

    assert _messages(refused.value) == {
        "province": ["That province is not in our list; please choose one from the list."],
        "city": ["That city is not in our list; please choose one from the list."],
        "district": ["That district is not in our list; please choose one from the list."],
    }


def test_missing_levels_are_asked_for():
    with pytest.raises(ValidationError) as refused:
        division_path_check(province="44", city="", district="")

    assert _messages(refused.value) == {"city": ["Choose a city."], "district": ["Choose a district."]}
