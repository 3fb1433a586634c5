"""How an export column is declared, and how its cells are written.

A file is a list of `Column`s. Each column is declared **once** — its name, type, label,
description, value labels, and how its value is got from a row — and the header, the rows
(`table`) and the data dictionary are all generated from that list, so they cannot drift
apart. The query that feeds a file reads exactly the fields its columns and its row class
name (`fields_read`).

A row is a `Row`: the dict one query row gave (`db`, keyed by field path) plus the facts of
it that several columns share, worked out once by the file's `Row` subclass (for example
`counted`, which both `counted` and `primary` use).

Cells follow the conventions the dictionary states (`dictionary.CONVENTIONS`): empty for
missing, 1/0 for flags, UTC times to the second, numbers rounded to 12 decimal places.

Files are written a chunk of rows (`CHUNK`) at a time and column by column
(`record_columns`): a plain field is read for the whole chunk with one C-level call, and a
cell is converted once per distinct value in the chunk where that cannot change the
result (`each_distinct`), so a million rows of ~35 columns do not make ~35 million Python
calls (docs/performance.md, "Exports"). `records` gives the same values row by row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any, ClassVar, Generic, TypeVar

from casecast.core.csv_safety import formula_neutralise
from casecast.core.pseudonyms import pseudonym
from casecast.studies.models import Study
from casecast.studies.selectors import stratum_counts_visible

CHUNK = 2000
DECIMALS = 12

# --- cells ---------------------------------------------------------------------------


def number_cell(value: float) -> str:
    """A float rounded to 12 decimal places, in the shortest form that reads back exactly.

    `0.4355999999999999` is written `0.4356`; whole numbers without `.0`; NaN and
    infinities as an empty cell.
    """
    if not math.isfinite(value):
        return ""
    rounded = round(value, DECIMALS)
    if rounded == 0:
        return "0"
    if rounded.is_integer() and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


def time_cell(value: datetime) -> str:
    """UTC, ISO 8601 to the whole second (truncated), with `Z`: `2026-11-26T15:20:42Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return time_cell(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return number_cell(value)
    return str(value)


# `cell` for a column of one declared type: the same text for every value, with the value
# the column normally holds checked first (called once per cell of a file: ~35 million
# calls for a million forecast rows).


def integer_cell(value: Any) -> str:
    return str(value) if type(value) is int else cell(value)


def flag_cell(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    return cell(value)


def number_of_cell(value: Any) -> str:
    return number_cell(value) if type(value) is float else cell(value)


def time_of_cell(value: Any) -> str:
    return time_cell(value) if type(value) is datetime else cell(value)


def plain_text_cell(value: Any) -> str:
    return value if type(value) is str else cell(value)


def text_cell(value: str | None) -> str:
    """Free text typed by a person: line breaks kept (the cell is quoted), and a `'` put
    in front of text starting with = + - or @ so a spreadsheet never runs it as a formula."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return str(formula_neutralise(text))


def free_text_cell(value: Any) -> str:
    """A person's answer as text (see `text_cell`); empty if there is none."""
    if value is None or value == "":
        return ""
    return text_cell(str(value))


# --- rows ------------------------------------------------------------------------------


class Pseudonyms:
    """Pseudonyms of participants and councils, each computed once per export."""

    def __init__(self, study: Study) -> None:
        self.key = study.pseudonym_key
        self._cache: dict[tuple[str, int], str] = {}

    def __call__(self, kind: str, pk: int | None) -> str:
        if pk is None:
            return ""
        slot = (kind, pk)
        if slot not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[slot] = pseudonym(key=self.key, kind=kind, pk=pk)
        return self._cache[slot]


class Row:
    """One row of an export's query (`db`, keyed by field path) and the study's pseudonyms.

    Subclasses add the facts several columns share, worked out once per row, and name the
    fields they read in `READS` (the query reads those and every column's `reads`).
    """

    READS: ClassVar[tuple[str, ...]] = ()
    __slots__ = ("db", "names")

    def __init__(self, db: dict[str, Any], names: Pseudonyms) -> None:
        self.db = db
        self.names = names


RowT = TypeVar("RowT", bound=Row, contravariant=True)


@dataclass(frozen=True, slots=True)
class Field:
    """A column's value that is one field of the query as it stands, optionally converted
    (for example a stored percentage to a probability)."""

    path: str
    convert: Callable[[Any], Any] | None = None

    def __call__(self, row: Row) -> Any:
        value = row.db[self.path]
        return value if self.convert is None else self.convert(value)


@dataclass(frozen=True, slots=True)
class PseudonymOf(Field):
    """The pseudonym of the participant or council whose id is the field `path`."""

    kind: str = "participant"

    def __call__(self, row: Row) -> Any:
        return row.names(self.kind, row.db[self.path])


# --- columns ---------------------------------------------------------------------------


class ColumnType(StrEnum):
    """What a column holds, as the data dictionary names it."""

    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"
    FLAG = "0/1"
    TIME = "time"


TYPED_CELL: dict[ColumnType, Callable[[Any], str]] = {
    ColumnType.INTEGER: integer_cell,
    ColumnType.NUMBER: number_of_cell,
    ColumnType.TEXT: plain_text_cell,
    ColumnType.FLAG: flag_cell,
    ColumnType.TIME: time_of_cell,
}

ValueLabels = tuple[tuple[int | str, str], ...]
YES_NO: ValueLabels = ((0, "No"), (1, "Yes"))

# Stata's limits, the strictest of the packages analysts use: names of letters, digits and
# _ up to 32 characters, variable labels up to 80.
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
LABEL_MAX = 80


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column of an export file, declared once.

    `get` gives the column's value for a row; a `Field` reads one field of the query, any
    other function names the fields it needs in `reads` (or uses the facts its row class
    works out). `value_labels` name the codes the column holds, where they are the same for
    every row. A `free_text` column holds what a person typed (see `text_cell`). A
    `concealed` column is blank until the study closes (allocation concealment).
    """

    name: str
    type: ColumnType
    label: str
    description: str
    get: Callable[[RowT], Any]
    reads: tuple[str, ...] = ()
    value_labels: ValueLabels = ()
    free_text: bool = False
    concealed: bool = False
    # How a value is written in a CSV cell; other formats read `get` and `type` instead.
    to_csv: Callable[[Any], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a column name Stata accepts")
        if not self.label or len(self.label) > LABEL_MAX:
            raise ValueError(f"{self.name}: a label of 1 to {LABEL_MAX} characters is needed")
        if isinstance(self.get, Field) and self.get.path not in self.reads:
            object.__setattr__(self, "reads", (self.get.path, *self.reads))
        to_csv = free_text_cell if self.free_text else TYPED_CELL[self.type]
        object.__setattr__(self, "to_csv", to_csv)


def flag(
    name: str,
    label: str,
    description: str,
    get: Callable[[RowT], Any],
    *,
    reads: tuple[str, ...] = (),
) -> Column[RowT]:
    """A yes/no column, written 1 or 0."""
    return Column(name, ColumnType.FLAG, label, description, get, reads, value_labels=YES_NO)


def fields_read(
    columns: Iterable[Column[Any]], row_type: type[Row], *, filled: Iterable[str] = ()
) -> list[str]:
    """Every field the file's query must read: its row class's and its columns', once each,
    except those `filled` into the rows after the query (from lookups a chunk at a time)."""
    paths = dict.fromkeys(row_type.READS)
    for column in columns:
        paths.update(dict.fromkeys(column.reads))
    for path in filled:
        paths.pop(path, None)
    return list(paths)


T = TypeVar("T")


def batched(items: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    """`items` in lists of `size` (default `CHUNK`; the last list may be shorter)."""
    size = size or CHUNK
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Chunked(Generic[T]):
    """Rows made a chunk at a time (as the answer files read them): iterated one by one
    like any rows, while `record_columns` takes the chunks as they come. Iterable once,
    like a generator."""

    def __init__(self, chunks: Iterable[list[T]]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[T]:
        for chunk in self._chunks:
            yield from chunk

    def chunks(self) -> Iterable[list[T]]:
        return self._chunks


@dataclass(frozen=True)
class Source(Generic[RowT]):
    """A file's columns and its rows, before they are written in any format."""

    columns: Sequence[Column[RowT]]
    rows: Iterable[RowT]

    def without(self, *names: str) -> Source[RowT]:
        """The same file without the named columns (such as reasoning text, unless asked)."""
        return Source([c for c in self.columns if c.name not in names], self.rows)


def records(*, study: Study | None, source: Source[RowT]) -> Iterator[list[Any]]:
    """One list of values per row, as `get` gives them, with the concealed columns `None`
    until the study has closed (per participant they would let staff rebuild the
    allocation sequence while the study recruits, as the allocation list would). Every
    format writes these values; only how a value is written differs. `study` None: a
    file pooling several studies, whose rows were concealed per study already."""
    return rows_of(source, record_columns(study=study, source=source))


def rows_of(source: Source[Any], chunks: Iterable[list[list[Any]]]) -> Iterator[list[Any]]:
    """Chunks of column values (`record_columns` and those made from it) as one list per
    row; a file with no columns has an empty row for each of its rows."""
    if not source.columns:
        return ([] for _ in source.rows)
    return (list(row) for columns in chunks for row in zip(*columns, strict=True))


def record_columns(*, study: Study | None, source: Source[RowT]) -> Iterator[list[list[Any]]]:
    """`records` a chunk of rows (`CHUNK`) at a time, as one list of values per column.

    The writers work column by column: a column's values are read with one C-level call
    where they are plain fields (`itemgetter` over the chunk's row dicts), a pseudonym is
    worked out once per distinct id in the chunk, and only the other columns call their
    `get` once per row (a million rows of ~35 columns are ~35 million cells)."""
    getters = value_getters(study=study, columns=source.columns)
    readers = [_column_reader(get) for get in getters]
    chunks = source.rows.chunks() if isinstance(source.rows, Chunked) else batched(source.rows)
    for rows in chunks:
        if not rows:
            continue
        dbs = [row.db for row in rows]
        yield [read(rows, dbs) for read in readers]


ColumnReader = Callable[[list[Any], list[dict[str, Any]]], list[Any]]


def _column_reader(get: Callable[[Any], Any]) -> ColumnReader:
    """How one column's values are read from a chunk of rows (and their `db` dicts)."""
    if get is blank:
        return lambda rows, dbs: [None] * len(rows)
    if type(get) is Field:
        field_of = itemgetter(get.path)
        convert = get.convert
        if convert is None:
            return lambda rows, dbs: list(map(field_of, dbs))
        # A conversion is a function of the value alone: worked out once per distinct
        # value (None included: it is converted too, as `Field` does).
        return lambda rows, dbs: each_distinct(convert, list(map(field_of, dbs)), convert_none=True)
    if type(get) is PseudonymOf:
        pseudonym_of = get

        def pseudonyms(rows: list[Any], dbs: list[dict[str, Any]]) -> list[Any]:
            namers = set(map(_names_of, rows))
            if len(namers) != 1:  # rows of several studies, each with its own key
                return list(map(pseudonym_of, rows))
            names = namers.pop()
            ids = list(map(itemgetter(pseudonym_of.path), dbs))
            known = {pk: names(pseudonym_of.kind, pk) for pk in dict.fromkeys(ids)}
            return list(map(known.__getitem__, ids))

        return pseudonyms
    return lambda rows, dbs: list(map(get, rows))


_names_of = attrgetter("names")

# Types whose equal values are written the same (unlike Decimal("1.0") and Decimal("1")),
# so a column of one of them can be written once per distinct value (see `each_distinct`).
_BY_VALUE = frozenset({str, int, float, bool, datetime, date})
# A field's own conversion (`Field.convert`) might read more of a value than equality
# does (a time's zone, say): those are worked out once per value unless text or integers.
_CONVERTED_BY_VALUE = frozenset({str, int, bool})


def each_distinct(
    convert: Callable[[Any], Any],
    values: list[Any],
    none: Any = None,
    *,
    convert_none: bool = False,
) -> list[Any]:
    """`convert(value)` for each value (`none` for None, unless `convert_none`), called
    once per distinct value when the values are all of one type in `_BY_VALUE` (several
    types could have equal values that convert differently, as 1, 1.0 and True do), else
    once per value.
    Distinct values are taken in order of first appearance, for converters with effects
    (a coded column numbers new values as they come). 0.0 and -0.0 are equal but may
    convert differently (`round` keeps the sign), so a float column with a zero is
    converted value by value."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) <= 1 and kinds <= (_CONVERTED_BY_VALUE if convert_none else _BY_VALUE):
        distinct = dict.fromkeys(values)
        if not (float in kinds and 0.0 in distinct):
            if convert_none:
                known = {value: convert(value) for value in distinct}
            else:
                known = {value: convert(value) for value in distinct if value is not None}
                known[None] = none
            return list(map(known.__getitem__, values))
    if convert_none:
        return list(map(convert, values))
    return [none if value is None else convert(value) for value in values]


def utf8_values(values: list[Any]) -> list[bytes]:
    """A chunk of one text column as UTF-8 (None as b""), as Stata and SPSS store text:
    each distinct value encoded once, as a chunk repeats its participants, arms, councils
    and cases row after row."""
    return each_distinct(_utf8, values, b"")


def _utf8(value: Any) -> bytes:
    return str(value).encode("utf-8")


def csv_cells(write: Callable[[Any], str], values: list[Any]) -> list[str]:
    """A chunk of one column's CSV cells, `write` being the column's cell writer (None is
    an empty cell). A column of whole numbers, such as ids, all different, is written
    with one C-level call."""
    if write is integer_cell and set(map(type, values)) <= _INT:
        return list(map(str, values))
    return each_distinct(write, values, "")


_INT = frozenset({int})


def value_getters(
    *, study: Study | None, columns: Sequence[Column[RowT]]
) -> list[Callable[[RowT], Any]]:
    """Each column's `get`, or one giving None for a concealed column while recruiting
    (`study` None: no study to ask, so no column is concealed here; see `records`)."""
    visible = study is None or stratum_counts_visible(study=study)
    return [column.get if visible or not column.concealed else blank for column in columns]


def table(*, study: Study | None, source: Source[RowT]) -> Iterator[list[str]]:
    """The header, then one list of CSV cells per row (see `records`)."""
    yield [column.name for column in source.columns]
    writers = [column.to_csv for column in source.columns]
    # Every column writes None as an empty cell.
    cells = (
        [csv_cells(write, values) for write, values in zip(writers, columns, strict=True)]
        for columns in record_columns(study=study, source=source)
    )
    yield from rows_of(source, cells)


def blank(row: Any) -> None:
    """A column's value that is always missing (a concealed column, or one blank while the
    study is blinded): read as a column of None without a call per row."""
    return None
