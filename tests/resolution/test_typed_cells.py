"""`typed_cell`, the fast path every typed format uses, gives exactly what the plain rule
(`VALUE[type](column, get(row))`) gives, for a field read directly and for any getter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from casecast.resolution.exports.columns import Column, ColumnType, Field, Row
from casecast.resolution.exports.writers import VALUE, typed_cell

VALUES = [
    None,
    "",
    0,
    7,
    -3,
    True,
    False,
    "12",
    0.1 + 0.2,
    float("nan"),
    "plain",
    "=SUM(A1)",
    "-0.25",
    "+x",
    "@home",
    "\tindent",
    "line\r\nbreak",
    datetime(2026, 11, 26, 15, 20, 42, 999, tzinfo=timezone(timedelta(hours=1))),
]


def _ok(column: Column[Row], value) -> bool:
    """Whether the plain rule accepts the value (a time column takes only times, a
    number column only numbers)."""
    try:
        VALUE[column.type](column, value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


@pytest.mark.parametrize("type_", list(ColumnType))
@pytest.mark.parametrize("free_text", [False, True])
@pytest.mark.parametrize("direct", [True, False])
def test_fast_cells_equal_the_plain_rule(type_, free_text, direct):
    get = Field("v") if direct else (lambda row: row.db["v"])
    column = Column("v", type_, "A value", "d", get, free_text=free_text)
    cell = typed_cell(column, get)
    for value in VALUES:
        if not _ok(column, value):
            with pytest.raises((TypeError, ValueError, AttributeError)):
                cell(Row({"v": value}, names=None))  # type: ignore[arg-type]
            continue
        expected = VALUE[type_](column, value)
        got = cell(Row({"v": value}, names=None))  # type: ignore[arg-type]
        assert type(got) is type(expected) and (got == expected or got != got), (value, got)


def test_a_neutralised_text_and_a_flag_as_the_formats_store_them():
    text = Column("t", ColumnType.TEXT, "Text", "d", Field("t"))
    assert typed_cell(text, text.get)(Row({"t": "=1+1"}, names=None)) == "'=1+1"  # type: ignore[arg-type]
    assert typed_cell(text, text.get)(Row({"t": "-0.25"}, names=None)) == "-0.25"  # type: ignore[arg-type]
    yes = Column("f", ColumnType.FLAG, "Flag", "d", Field("f"))
    assert typed_cell(yes, yes.get)(Row({"f": True}, names=None)) == 1  # type: ignore[arg-type]
    assert typed_cell(yes, yes.get)(Row({"f": None}, names=None)) is None  # type: ignore[arg-type]
    when = Column("w", ColumnType.TIME, "When", "d", Field("w"))
    moment = datetime(2026, 11, 26, 16, 20, 42, 500, tzinfo=timezone(timedelta(hours=1)))
    assert typed_cell(when, when.get)(Row({"w": moment}, names=None)) == datetime(  # type: ignore[arg-type]
        2026, 11, 26, 15, 20, 42, tzinfo=UTC
    )
