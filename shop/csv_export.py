"""CSV files staff download (orders, coupon codes): UTF-8 with a byte order mark, cells a
spreadsheet never evaluates, written row by row so a long list streams."""

import csv
from collections.abc import Iterable, Iterator

# A cell starting with one of these is a formula to Excel and LibreOffice:
# prefix it with a quote so it stays text (OWASP "CSV injection").
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a CSV cell that a spreadsheet never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The lines of a CSV file: a byte order mark, the header, then each row, every cell made safe."""
    writer = csv.writer(_Echo())
    # A byte order mark, so Excel reads UTF-8 (Chinese names) instead of the local code page.
    yield "\ufeff"
    yield writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])
