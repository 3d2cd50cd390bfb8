"""Mainland China's provinces, cities and districts: loading the committed data and reading it.

The data files (shop/data/divisions, with their source and licence) are loaded into the
``Division`` table by a migration; nothing is fetched at run time.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shop.models import Division

DATA_DIR = Path(__file__).resolve().parent / "data" / "divisions"
# What the data calls a municipality's city level ("districts under the city"); shown as the province.
MUNICIPALITY_CITY_NAME = "市辖区"


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


def division_rows_read(*, data_dir: Path = DATA_DIR) -> Iterator[DivisionRow]:
    """The divisions in the data files, provinces first, then cities, then districts (parents first).

    A municipality's "市辖区" city takes its province's name.
    """
    with open(data_dir / "provinces.csv", encoding="utf-8", newline="") as file:
        provinces = {row["code"]: row["name"] for row in csv.DictReader(file)}
    for code, name in provinces.items():
        yield DivisionRow(code=code, name=name, level=Division.Level.PROVINCE, parent_code=None)
    with open(data_dir / "cities.csv", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            name = provinces[row["provinceCode"]] if row["name"] == MUNICIPALITY_CITY_NAME else row["name"]
            yield DivisionRow(
                code=row["code"], name=name, level=Division.Level.CITY, parent_code=row["provinceCode"]
            )
    with open(data_dir / "areas.csv", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            yield DivisionRow(
                code=row["code"], name=row["name"], level=Division.Level.DISTRICT, parent_code=row["cityCode"]
            )


def division_rows_load(*, model: type[Division], data_dir: Path = DATA_DIR) -> int:
    """Insert or update every division of the data files into ``model``'s table; returns how many.

    Idempotent: rows are matched by code, so running it again changes nothing, and a newer data
    file renames what was renamed. Takes ``model`` so a migration passes its historical model.
    """
    rows = [
        model(code=row.code, name=row.name, level=row.level, parent_id=row.parent_code)
        for row in division_rows_read(data_dir=data_dir)
    ]
    # Parents come first in the list, and the batch goes in order, so every parent exists.
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "level", "parent"]
    )
    return len(rows)


def division_province_list() -> list[Division]:
    """The provinces, by code."""
    return list(Division.objects.filter(level=Division.Level.PROVINCE).order_by("code"))


def division_children_list(*, code: str) -> list[Division]:
    """The cities of a province or the districts of a city, by code; none for a district or made-up code."""
    if not code or not code.isdigit():
        return []
    return list(Division.objects.filter(parent_id=code).order_by("code"))


@dataclass(frozen=True)
class DivisionPath:
    """A consistent province, city and district, large to small."""

    province: Division
    city: Division
    district: Division


def division_path_check(*, province: str, city: str, district: str) -> DivisionPath:
    """The province, city and district of these codes, when each lies in the one before it.

    Raises ValidationError with a message per field (``province``, ``city``, ``district``):
    a code missing, not in the data, at the wrong level, or not inside the level above.
    """
    codes = [code for code in (province, city, district) if code]
    found = {division.code: division for division in Division.objects.filter(code__in=codes)}
    errors: dict[str, ValidationError] = {}
    chosen: dict[str, Division] = {}
    parent: Division | None = None
    for field, code, level in (
        ("province", province, Division.Level.PROVINCE),
        ("city", city, Division.Level.CITY),
        ("district", district, Division.Level.DISTRICT),
    ):
        division = found.get(code)
        if not code:
            errors[field] = ValidationError(_MESSAGES[field]["required"], code="required")
        elif division is None or division.level != level:
            errors[field] = ValidationError(_MESSAGES[field]["unknown"], code="invalid_choice")
        elif parent is not None and division.parent_id != parent.code:
            errors[field] = ValidationError(_MESSAGES[field]["outside"], code="invalid_choice")
        else:
            chosen[field] = division
        # Each level is checked against the one above only when that one was valid.
        parent = chosen.get(field)
    if errors:
        raise ValidationError(errors)
    return DivisionPath(province=chosen["province"], city=chosen["city"], district=chosen["district"])


_MESSAGES = {
    "province": {
        "required": _("Choose a province."),
        "unknown": _("That province is not in our list; please choose one from the list."),
    },
    "city": {
        "required": _("Choose a city."),
        "unknown": _("That city is not in our list; please choose one from the list."),
        "outside": _("That city is not in the province chosen; please choose the city again."),
    },
    "district": {
        "required": _("Choose a district."),
        "unknown": _("That district is not in our list; please choose one from the list."),
        "outside": _("That district is not in the city chosen; please choose the district again."),
    },
}
