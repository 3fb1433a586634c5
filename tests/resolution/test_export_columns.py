"""Export columns are declared once, with what R, Stata and SPSS need to label them.

What a file shows (header, cells, dictionary) is checked in test_exports.py and byte for
byte in test_export_snapshots.py; this module checks the declarations themselves: names
and labels Stata accepts, value labels that name the study's own arms, phases and
statuses, and a query that reads what the columns name.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from casecast.core.pseudonyms import pseudonym
from casecast.resolution.exports import FILES
from casecast.resolution.exports.columns import (
    TYPED_CELL,
    YES_NO,
    Column,
    ColumnType,
    Field,
    PseudonymOf,
    Pseudonyms,
    Row,
    Source,
    cell,
    csv_cells,
    each_distinct,
    fields_read,
    record_columns,
)
from django.urls import reverse

from tests.resolution.test_exports import run_trial

STATA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")


def _columns(study, filename: str) -> dict[str, Column]:
    export = next(export for export in FILES if export.filename == filename)
    return {column.name: column for column in export.columns(study)}


@pytest.mark.parametrize(
    ("name", "label", "problem"),
    [
        ("Arm Key", "Arm", "not a column name Stata accepts"),
        ("a" * 33, "Arm", "not a column name Stata accepts"),
        ("arm", "", "label of 1 to 80 characters"),
        ("arm", "x" * 81, "label of 1 to 80 characters"),
    ],
)
def test_a_column_stata_could_not_read_is_refused_where_it_is_declared(name, label, problem):
    with pytest.raises(ValueError, match=problem):
        Column(name, ColumnType.TEXT, label, "A description", Field("arm__key"))


@pytest.mark.django_db
def test_every_column_of_every_file_has_a_unique_stata_name_and_a_short_label(casebook):
    for export in FILES:
        columns = export.columns(casebook.study)
        names = [column.name for column in columns]
        assert len(names) == len(set(names)), export.filename
        for column in columns:
            assert STATA_NAME.match(column.name), column.name
            assert 1 <= len(column.label) <= 80, column.name
            assert column.description, column.name


@pytest.mark.django_db
def test_flags_are_labelled_no_and_yes_and_hold_only_1_0_or_empty(
    client, casebook, people, study_analyst
):
    run_trial(casebook, people)
    client.force_login(study_analyst)
    # The files with flags and, while the study recruits, rows (allocations and exposures
    # have none until it closes; consort has no flags).
    with_flags = ("scores", "forecasts", "participants", "questions")
    for export in (export for export in FILES if export.name in with_flags):
        columns = _columns(casebook.study, export.filename)
        flags = [name for name, column in columns.items() if column.type == ColumnType.FLAG]
        assert flags, export.filename
        response = client.get(
            reverse(f"resolution:export_{export.name}", kwargs={"slug": casebook.study.slug})
        )
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows, export.filename
        for name in flags:
            assert columns[name].value_labels == ((0, "No"), (1, "Yes")), name
            assert {row[name] for row in rows} <= {"0", "1", ""}, name


@pytest.mark.django_db
def test_value_labels_name_the_studys_own_arms_phases_statuses_and_kinds(casebook):
    study = casebook.study
    scores = _columns(study, "scores.csv")
    assert scores["arm"].value_labels == (("control", "Control"), ("feedback", "Feedback"))
    assert scores["phase"].value_labels == ((1, "Baseline cases"), (2, "After randomisation"))
    assert [kind for kind, _ in scores["kind"].value_labels] == [
        "binary",
        "multiple_choice",
        "ordered",
        "numeric",
    ]
    forecasts = _columns(study, "forecasts.csv")
    assert [kind for kind, _ in forecasts["kind"].value_labels][-2:] == ["decision", "rationale"]
    participants = _columns(study, "participants.csv")
    assert ("withdrawn", "Withdrawn") in participants["status"].value_labels
    assert ("council_code", "Council code") in participants["enrolment_route"].value_labels
    assert participants["arm"].value_labels == scores["arm"].value_labels
    # Decision numbers and baseline answers differ by question: no one set of labels fits.
    assert forecasts["decision"].value_labels == ()


def test_the_query_reads_each_field_the_row_or_a_column_names_once():
    class Toy(Row):
        READS = ("arm__key", "status")

    columns = [
        Column("arm", ColumnType.TEXT, "Arm", "Arm key", Field("arm__key")),
        Column(
            "late",
            ColumnType.FLAG,
            "Late",
            "1 if submitted after the deadline",
            lambda row: row.db["submitted_at"] > row.db["deadline"],
            reads=("submitted_at", "deadline"),
            value_labels=YES_NO,
        ),
        Column("status", ColumnType.TEXT, "Status", "Status", Field("status")),
    ]
    assert fields_read(columns, Toy) == ["arm__key", "status", "submitted_at", "deadline"]


@pytest.mark.parametrize("column_type", list(ColumnType))
def test_a_typed_cell_writes_every_value_as_the_general_cell_does(column_type):
    """Each column type's CSV writer checks its usual value first; any value, of its type or
    not, must come out as the one general `cell` writes it (the snapshots fixed that text)."""
    values = [
        None, True, False, 0, 7, -3, 0.1 + 0.2, 2.5, 1e20, float("nan"), -0.0,
        "", "text", "=1+1", "-0.25", datetime(2026, 11, 26, 15, 20, 42, 999_999, tzinfo=UTC),
        date(2026, 11, 26),
    ]  # fmt: skip
    for value in values:
        assert TYPED_CELL[column_type](value) == cell(value), (column_type, value)


# Columns as a chunk of a file can hold them: one type with repeats, or mixed types whose
# equal values (1, 1.0, True; 0.0 and -0.0; Decimal("1") and Decimal("1.0")) convert
# differently, and equal times in two zones.
_CHUNK_COLUMNS = [
    ["b", None, "a", "b", "=1+1", "a", None],
    [3, 1, 3, None, 2, 1],
    [1, 1.0, True, 0, 0.0, False, -0.0, None],
    [0.5, -0.0, 0.0, 0.5, None, 0.1 + 0.2],
    [Decimal("1"), Decimal("1.0"), None, Decimal("1")],
    [float("nan"), 2.0, float("nan"), None],
    [
        datetime(2026, 11, 26, 15, 20, 42, tzinfo=UTC),
        datetime(2026, 11, 26, 16, 20, 42, tzinfo=timezone(timedelta(hours=1))),
        None,
        datetime(2026, 11, 26, 15, 20, 42, 500_000, tzinfo=UTC),
    ],
    [date(2026, 11, 26), None, date(2026, 11, 26)],
    [None, None],
]


@pytest.mark.parametrize("values", _CHUNK_COLUMNS)
@pytest.mark.parametrize("column_type", list(ColumnType))
def test_a_chunk_of_cells_is_each_value_written_alone(column_type, values):
    """`csv_cells` writes a chunk of a column at once, each distinct value once where that
    is safe: every cell must be what the column's writer gives for that value alone."""
    write = TYPED_CELL[column_type]
    assert csv_cells(write, values) == ["" if v is None else write(v) for v in values]


@pytest.mark.parametrize(
    "values", [c for c in _CHUNK_COLUMNS if not any(isinstance(v, datetime) for v in c)]
)
def test_a_chunk_of_typed_values_keeps_the_sign_and_type_of_each(values):
    """A conversion that tells equal values apart (by type and repr, as `round` tells 0.0
    from -0.0) must still see each value: a column mixing types, of Decimals or holding a
    zero is converted value by value. (Equal times in two zones may share a conversion:
    every writer converts a time to UTC first, the test above.)"""
    expected = [None if v is None else (type(v), repr(v)) for v in values]
    assert each_distinct(lambda value: (type(value), repr(value)), values) == expected


def test_a_chunk_is_converted_once_per_distinct_value_in_order_of_first_appearance():
    """Codes for text not declared are numbered as values first appear (the Stata and SPSS
    writers), and repeated values are converted once."""
    seen: list[str] = []

    def code(value: str) -> int:
        seen.append(value)
        return len(seen)

    assert each_distinct(code, ["b", "a", None, "b", "c", "a"]) == [1, 2, None, 1, 3, 2]
    assert seen == ["b", "a", "c"]


def test_a_chunk_of_rows_from_two_studies_gets_each_study_s_pseudonyms():
    """Pseudonyms are worked out once per id in a chunk, but a chunk may hold rows of two
    studies (each its own key): the same id must still get each study's pseudonym."""
    first = Pseudonyms(SimpleNamespace(pseudonym_key="a" * 64))
    second = Pseudonyms(SimpleNamespace(pseudonym_key="b" * 64))
    column = Column("pseudonym", ColumnType.TEXT, "P", "P", PseudonymOf("participant_id"))
    rows = [Row({"participant_id": 7}, first), Row({"participant_id": 7}, second)]
    [[values]] = record_columns(study=None, source=Source([column], rows))
    assert values == [
        pseudonym(key="a" * 64, kind="participant", pk=7),
        pseudonym(key="b" * 64, kind="participant", pk=7),
    ]
    assert values[0] != values[1]
