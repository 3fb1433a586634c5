"""CSV in and out, safely: formulas neutralised on the way out, bounded parsing on the way in.

Out: `formula_neutralise` is applied by every CSV writer in Casecast to every
cell, so text typed by anyone — participants, researchers (council names,
question keys), the data dictionary's own descriptions — cannot be run as a
formula when the file is opened in a spreadsheet. A cell starting with
`= + - @`, a tab or a carriage return gets a leading `'`; plain numbers
("-0.25", "+3", "1e-3") are left alone so numeric columns stay numeric in R,
Stata and SPSS.

In: `csv_table_read` parses an uploaded CSV with limits and reports the row of
the first problem: a value longer than `MAX_FIELD_CHARS`, a control character, more
values on a row than the header has columns, or text the csv module cannot
read. Old Mac line endings (a bare carriage return) are read as line ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casecast.core.control_characters import CONTROL_CHARACTERS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MAX_FIELD_CHARS = 10_000


def formula_neutralise(value: Any) -> Any:
    """The cell as written to a CSV: text that a spreadsheet would run gets a leading `'`."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def formula_row(row: Iterable[Any]) -> list[Any]:
    return [formula_neutralise(cell) for cell in row]


def formula_mapping(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: formula_neutralise(cell) for name, cell in row.items()}


def formula_restore(value: str) -> str:
    """Undo `formula_neutralise` for a file Casecast wrote and a researcher uploads back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class CsvUnreadable(ValueError):
    """The first problem that stops a CSV being read: `row` is 1-based (the header is row 1)."""

    def __init__(self, row: int, message: str):
        super().__init__(f"row {row}: {message}")
        self.row = row
        self.message = message


@dataclass(frozen=True)
class CsvTable:
    header: list[str]  # stripped and lower-cased
    rows: list[dict[str, str]]  # values stripped; a missing value is ""


def csv_table_read(text: str, *, max_field_chars: int = MAX_FIELD_CHARS) -> CsvTable:
    """Read an uploaded CSV with a header row. Raises CsvUnreadable naming the row."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    control = CONTROL_CHARACTERS.search(text)
    if control is not None:
        row = text[: control.start()].count("\n") + 1
        raise CsvUnreadable(
            row, "the file contains a control character (such as NUL): save it again as UTF-8 CSV"
        )
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    number = 0  # the row (record) being read, as a spreadsheet numbers it
    try:
        for number, values in enumerate(reader, start=1):
            if header is None:
                header = [name.strip().lower() for name in values]
                continue
            rows.append(_row(values, header, number, max_field_chars))
    except csv.Error as error:
        raise CsvUnreadable(number + 1, f"could not read the CSV ({error})") from None
    if header is not None:
        _check_lengths(header, 1, max_field_chars)
    return CsvTable(header=header or [], rows=rows)


def _check_lengths(values: list[str], row: int, limit: int) -> None:
    for column, value in enumerate(values, start=1):
        if len(value) > limit:
            raise CsvUnreadable(
                row, f"the value in column {column} is longer than {limit:,} characters"
            )


def _row(values: list[str], header: list[str], row: int, limit: int) -> dict[str, str]:
    _check_lengths(values, row, limit)
    extra = values[len(header) :]
    if any(value.strip() for value in extra):
        raise CsvUnreadable(
            row,
            f"this row has {len(values)} values but the header row names {len(header)} "
            "columns: remove the extra values or name their column",
        )
    return {
        name: (values[index].strip() if index < len(values) else "")
        for index, name in enumerate(header)
    }
