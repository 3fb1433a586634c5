"""One export file written as CSV, Parquet, Stata (.dta) or SPSS (.sav), from its columns.

Every format writes the same values (`columns.record_columns`, a chunk of rows at a time,
column by column); only how a value is stored
differs, and that follows from the column's declared `ColumnType`:

| type    | CSV                 | Parquet                         | Stata / SPSS              |
|---------|---------------------|---------------------------------|---------------------------|
| integer | digits              | int64                           | numeric                   |
| number  | 12 decimal places   | float64 (rounded the same way)  | double                    |
| 0/1     | 1 / 0               | int8                            | numeric, labelled No/Yes  |
| time    | ISO 8601 UTC, `Z`   | timestamp[s, UTC]               | date-time (UTC)           |
| text    | as typed            | string (dictionary-encoded when | string; numbered codes    |
|         |                     | the column has value labels)    | with value labels when    |
|         |                     |                                 | the column has them       |

Missing values are empty in CSV, null in Parquet, system-missing (`.`) in Stata and
SPSS for numbers and times, and the empty string for text (neither has a missing
string). Every text cell of every format is passed through `formula_neutralise`, so a
spreadsheet that opens any of them never runs a formula.

Memory: CSV and Parquet stream (Parquet one row group per `CHUNK` rows), and Stata and
SPSS are written in chunks by `stata.py` and `spss.py` (rows spooled to a temporary file
first, since the header or dictionary needs string widths), so memory does not grow with
the rows (measured in `bench/bench_exports.py`; docs/performance.md).

pyarrow is imported inside the functions that use it, so a web process that never writes
Parquet does not load it.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from casecast.core.csv_safety import formula_neutralise
from casecast.resolution.exports.columns import (
    DECIMALS,
    Column,
    ColumnType,
    Source,
    csv_cells,
    each_distinct,
    plain_text_cell,
    record_columns,
    rows_of,
)
from casecast.resolution.exports.spss import write_sav
from casecast.resolution.exports.stata import write_dta
from casecast.studies.models import Study

# The file label of Stata and SPSS files that pool several studies (the network's package).
POOLED_FILE_LABEL = "casecast-network-pooled"


class Format(StrEnum):
    """The formats a study's package can be written in, by file extension."""

    CSV = "csv"
    PARQUET = "parquet"
    STATA = "dta"
    SPSS = "sav"

    @property
    def label(self) -> str:
        return {
            Format.CSV: "CSV (any program)",
            Format.PARQUET: "Parquet (R arrow, Python pandas/polars)",
            Format.STATA: "Stata .dta (with labels)",
            Format.SPSS: "SPSS .sav (with labels)",
        }[self]


# --- values, as every format but CSV stores them -----------------------------------------
# Each is called once per cell, so the common case (the value already has the type) is
# checked first.


def text_value(column: Column[Any], value: Any) -> str | None:
    """A text cell: what the CSV cell shows, formula-neutralised; None when empty."""
    if value is None:
        return None
    if type(value) is str and not column.free_text:
        return formula_neutralise(value) or None
    return formula_neutralise(column.to_csv(value)) or None


def integer_value(column: Column[Any], value: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    if value == "":
        return None
    try:
        return int(value)  # a bool (a flag), or a number typed as text
    except (TypeError, ValueError):
        raise ValueError(f"{column.name}: {value!r} is not a whole number") from None


def number_value(column: Column[Any], value: Any) -> float | None:
    """Rounded as the CSV cell is, so every format holds the same number."""
    if value is None or value == "":
        return None
    number = float(value)
    return round(number, DECIMALS) if math.isfinite(number) else None


def time_value(column: Column[Any], value: Any) -> datetime | None:
    """UTC, truncated to the whole second as the CSV cell is."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0)


VALUE: dict[ColumnType, Callable[[Column[Any], Any], Any]] = {
    ColumnType.INTEGER: integer_value,
    ColumnType.NUMBER: number_value,
    ColumnType.FLAG: integer_value,
    ColumnType.TIME: time_value,
    ColumnType.TEXT: text_value,
}


def typed_columns(*, study: Study | None, source: Source[Any]) -> Iterator[list[list[Any]]]:
    """`record_columns` (a chunk at a time, column by column), each value stored as its
    column's type says (see the table above). Whole numbers are kept as they are; any
    other column is converted once per distinct value where its values allow
    (`columns.each_distinct`)."""
    converters = [partial(VALUE[column.type], column) for column in source.columns]
    numeric = [column.type in (ColumnType.INTEGER, ColumnType.FLAG) for column in source.columns]
    for columns in record_columns(study=study, source=source):
        yield [
            values if whole and _whole_numbers(values) else each_distinct(convert, values)
            for convert, whole, values in zip(converters, numeric, columns, strict=True)
        ]


def _whole_numbers(values: list[Any]) -> bool:
    """Every value an int or None (not a bool: a flag is stored as 1 or 0)."""
    return set(map(type, values)) <= _INT_OR_NONE


_INT_OR_NONE = frozenset({int, type(None)})


def typed_records(*, study: Study | None, source: Source[Any]) -> Iterator[list[Any]]:
    """`typed_columns`, one list of values per row."""
    return rows_of(source, typed_columns(study=study, source=source))


def value_labels(column: Column[Any]) -> dict[Any, str]:
    """The column's declared value labels, code -> label text (neutralised: staff type them)."""
    return {code: str(formula_neutralise(str(label))) for code, label in column.value_labels}


# --- CSV --------------------------------------------------------------------------------


def write_csv(*, study: Study | None, source: Source[Any], path: Path) -> int:
    """The file as the single CSV downloads write it; returns the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(column.name for column in source.columns)
        # Only text can start like a formula: numbers, flags and times are written as is.
        to_csv = [
            (_neutralised_text if column.to_csv is plain_text_cell else _neutralised(column.to_csv))
            if column.type is ColumnType.TEXT
            else column.to_csv
            for column in source.columns
        ]
        if not source.columns:
            for _ in source.rows:
                writer.writerow([])
                count += 1
            return count
        for columns in record_columns(study=study, source=source):
            # Every column writes None as an empty cell.
            cells = [
                csv_cells(write, values) for write, values in zip(to_csv, columns, strict=True)
            ]
            writer.writerows(zip(*cells, strict=True))
            count += len(cells[0])
    return count


def _neutralised(to_csv: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: str(formula_neutralise(to_csv(value)))


def _neutralised_text(value: Any) -> str:
    """`_neutralised(plain_text_cell)`, without the wrapping for the usual `str` value."""
    if type(value) is str:
        return str(formula_neutralise(value))
    return str(formula_neutralise(plain_text_cell(value)))


# --- Parquet ----------------------------------------------------------------------------


def _arrow_type(column: Column[Any]) -> Any:
    import pyarrow as pa

    if column.type is ColumnType.TEXT and column.value_labels:
        return pa.dictionary(pa.int32(), pa.string())
    return {
        ColumnType.INTEGER: pa.int64(),
        ColumnType.NUMBER: pa.float64(),
        ColumnType.FLAG: pa.int8(),
        ColumnType.TIME: pa.timestamp("s", tz="UTC"),
        ColumnType.TEXT: pa.string(),
    }[column.type]


def _arrow_field(column: Column[Any]) -> Any:
    import pyarrow as pa

    metadata = {
        "label": column.label,
        "description": str(formula_neutralise(column.description)),
    }
    if column.value_labels:
        metadata["value_labels"] = json.dumps(value_labels(column))
    return pa.field(column.name, _arrow_type(column), nullable=True, metadata=metadata)


def write_parquet(*, study: Study | None, source: Source[Any], path: Path) -> int:
    """Typed columns, labels in each field's metadata, one row group per `CHUNK` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([_arrow_field(column) for column in source.columns])
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for columns in typed_columns(study=study, source=source):
            arrays = [
                pa.array(values, type=field.type)
                for values, field in zip(columns, schema, strict=True)
            ]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            count += len(columns[0])
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


# --- Stata and SPSS ---------------------------------------------------------------------


@dataclass
class _Coded:
    """A text column with value labels, stored as numbered codes 1, 2, ... in declared
    order (a value not declared gets the next number and itself as its label)."""

    codes: dict[str, int]
    labels: dict[int, str]

    @classmethod
    def of(cls, column: Column[Any]) -> _Coded:
        declared = value_labels(column)
        codes = {str(value): n for n, value in enumerate(declared, start=1)}
        return cls(codes, {codes[str(value)]: label for value, label in declared.items()})

    def code(self, value: str | None) -> int | None:
        if value is None:
            return None
        if value not in self.codes:
            self.codes[value] = len(self.codes) + 1
            self.labels[self.codes[value]] = value
        return self.codes[value]


def _file_label(study: Study | None) -> str:
    """The study's slug; a file pooling studies (no one study) is labelled as such."""
    return study.slug if study is not None else POOLED_FILE_LABEL


def _coded_columns(
    *, study: Study | None, source: Source[Any], coded: dict[int, _Coded]
) -> Iterator[list[list[Any]]]:
    """`typed_columns`, with the text of each labelled text column as its code."""
    for columns in typed_columns(study=study, source=source):
        for i, codes in coded.items():
            columns[i] = each_distinct(codes.code, columns[i])
        yield columns


def _coded(columns: list[Column[Any]]) -> dict[int, _Coded]:
    return {
        i: _Coded.of(column)
        for i, column in enumerate(columns)
        if column.type is ColumnType.TEXT and column.value_labels
    }


def _all_value_labels(
    columns: list[Column[Any]], coded: dict[int, _Coded]
) -> dict[str, dict[int, str]]:
    """Each labelled variable's value labels. The codes of a coded column are complete only
    once every row is read (a value not declared gets the next code), so those are handed
    over as live dicts, for the writer to read after the rows."""
    labels: dict[str, dict[int, str]] = {columns[i].name: c.labels for i, c in coded.items()}
    for column in columns:
        if column.type is not ColumnType.TEXT and column.value_labels:
            labels[column.name] = {int(code): text for code, text in value_labels(column).items()}
    return labels


def _write_labelled(
    write: Callable[..., int],
    label_width: int,
    *,
    study: Study | None,
    source: Source[Any],
    path: Path,
) -> int:
    """Feed a chunked labelled-format writer (`stata.write_dta`, `spss.write_sav`): coded
    rows, value labels and the file label cut to the format's width. Neither writer needs
    one whole data frame (as pyreadstat does), so memory does not grow with rows."""
    columns = list(source.columns)
    coded = _coded(columns)
    return write(
        path=path,
        columns=columns,
        chunks=_coded_columns(study=study, source=source, coded=coded),
        coded=set(coded),
        labels=_all_value_labels(columns, coded),
        file_label=_file_label(study)[:label_width],
    )


def write_stata(*, study: Study | None, source: Source[Any], path: Path) -> int:
    return _write_labelled(write_dta, 80, study=study, source=source, path=path)


def write_spss(*, study: Study | None, source: Source[Any], path: Path) -> int:
    return _write_labelled(write_sav, 64, study=study, source=source, path=path)


WRITERS: dict[Format, Callable[..., int]] = {
    Format.CSV: write_csv,
    Format.PARQUET: write_parquet,
    Format.STATA: write_stata,
    Format.SPSS: write_spss,
}
