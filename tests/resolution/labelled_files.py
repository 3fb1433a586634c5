"""What the Stata and SPSS writer tests share: one column of each type and a writer call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casecast.resolution.exports.columns import Column, ColumnType, Row, Source, flag

WHEN = datetime(2026, 11, 26, 15, 20, 42, tzinfo=UTC)


def _field(name: str) -> Callable[[Row], Any]:
    return lambda row: row.db[name]


def typed_columns(*, feedback_label: str = "Feedback") -> list[Column[Row]]:
    """A whole number, a number, a flag, a time, free text, a labelled text code (arm) and
    a labelled integer (phase)."""
    return [
        Column("n", ColumnType.INTEGER, "A whole number", "d", _field("n")),
        Column("x", ColumnType.NUMBER, "A number", "d", _field("x")),
        flag("ok", "A flag", "d", _field("ok")),
        Column("at", ColumnType.TIME, "A time", "d", _field("at")),
        Column("note", ColumnType.TEXT, "Free text", "d", _field("note"), free_text=True),
        Column(
            "arm",
            ColumnType.TEXT,
            "An arm",
            "d",
            _field("arm"),
            value_labels=(("control", "Control"), ("feedback", feedback_label)),
        ),
        Column(
            "phase",
            ColumnType.INTEGER,
            "A phase",
            "d",
            _field("phase"),
            value_labels=((1, "Baseline"), (2, "After")),
        ),
    ]


def text_column(name: str, label: str, read: str) -> Column[Row]:
    return Column(name, ColumnType.TEXT, label, "d", _field(read))


def write_rows(
    writer: Callable[..., int],
    *,
    study: Any,
    columns: list[Column[Row]],
    rows: list[dict[str, Any]],
    path: Path,
) -> tuple[int, str]:
    """Write `rows` with `writer` (`write_stata`, `write_spss`): the row count and the path."""
    source = Source(columns, [Row(db, names=None) for db in rows])  # type: ignore[arg-type]
    return writer(study=study, source=source, path=path), str(path)
