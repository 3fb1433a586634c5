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
from datetime import UTC, date, datetime

import pytest
from casecast.resolution.exports import FILES
from casecast.resolution.exports.columns import (
    TYPED_CELL,
    YES_NO,
    Column,
    ColumnType,
    Field,
    Row,
    cell,
    fields_read,
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
