"""Cells of the CSV files staff download: a spreadsheet never evaluates one."""

import csv
import io
from decimal import Decimal

import pytest

from shop.csv_export import csv_cell, csv_lines


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("+3", "'+3"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
        (Decimal("12.00"), "12.00"),
        (None, ""),
    ],
)
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_csv_lines_start_with_a_byte_order_mark_and_make_every_cell_safe():
    text = "".join(csv_lines(["Code", "=Kind"], [["-SAVE", Decimal("10.00")], ["陈伟", None]]))

    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["Code", "'=Kind"],
        ["'-SAVE", "10.00"],
        ["陈伟", ""],
    ]
