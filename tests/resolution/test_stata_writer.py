"""The chunked Stata writer (`exports/stata.py`): files that pyreadstat and pandas both read
back value for value, whatever the text length, the missing values or the row count."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
from casecast.resolution.exports.columns import Column, Row
from casecast.resolution.exports.writers import write_stata

from tests.resolution.labelled_files import WHEN, typed_columns, write_rows

pytestmark = pytest.mark.django_db

LONG_TEXT = "é" * 1500 + " end"  # 3,004 bytes in UTF-8: longer than a str2045, so a strL


def _columns() -> list[Column[Row]]:
    return typed_columns()


ROWS = [
    {"n": 1, "x": 0.25, "ok": True, "at": WHEN, "note": "Short", "arm": "control", "phase": 1},
    {"n": None, "x": None, "ok": None, "at": None, "note": None, "arm": None, "phase": None},
    {"n": 2**40, "x": -1e-5, "ok": False, "at": WHEN, "note": LONG_TEXT, "arm": "x", "phase": 2},
    {"n": 0, "x": 3.0, "ok": True, "at": WHEN, "note": "Ünïcödé ✓", "arm": "feedback", "phase": 2},
]


def _write(study, tmp_path, rows) -> tuple[int, str]:
    return write_rows(
        write_stata, study=study, columns=_columns(), rows=rows, path=tmp_path / "file.dta"
    )


def test_pyreadstat_and_pandas_read_back_every_value_and_label(study, tmp_path):
    count, path = _write(study, tmp_path, ROWS)
    assert count == 4
    frame, meta = pyreadstat.read_dta(path)
    assert list(frame["n"].fillna(-1)) == [1, -1, 2**40, 0]
    assert frame["x"].tolist()[0] == 0.25 and frame["x"].tolist()[2] == -1e-5
    assert pd.isna(frame["x"][1]) and pd.isna(frame["ok"][1]) and pd.isna(frame["at"][1])
    assert frame["ok"].tolist()[0] == 1 and frame["ok"].tolist()[2] == 0
    assert frame["at"][0] == pd.Timestamp("2026-11-26 15:20:42")
    assert frame["note"].tolist() == ["Short", "", LONG_TEXT, "Ünïcödé ✓"]
    assert meta.variable_value_labels["arm"] == {1: "Control", 2: "Feedback", 3: "x"}
    assert frame["arm"].fillna(-1).tolist() == [1, -1, 3, 2]
    assert meta.variable_value_labels["ok"] == {0: "No", 1: "Yes"}
    assert meta.variable_value_labels["phase"] == {1: "Baseline", 2: "After"}
    assert meta.column_names_to_labels["note"] == "Free text"
    assert meta.file_label == study.slug
    # An independent reader of the same format.
    other = pd.read_stata(path, convert_categoricals=False)
    assert other["note"].tolist() == frame["note"].tolist()
    assert other["n"].fillna(-1).tolist() == [1, -1, 2**40, 0]
    assert other["at"][0] == pd.Timestamp("2026-11-26 15:20:42")


def test_an_empty_file_has_its_variables_and_no_rows(study, tmp_path):
    count, path = _write(study, tmp_path, [])
    frame, _ = pyreadstat.read_dta(path)
    assert count == 0 and len(frame) == 0
    assert list(frame.columns) == [c.name for c in _columns()]


def test_more_rows_than_one_chunk_keep_their_order(study, tmp_path):
    rows = [dict(ROWS[0], n=i, note=f"row {i}") for i in range(4500)]  # over two chunks
    count, path = _write(study, tmp_path, rows)
    frame, _ = pyreadstat.read_dta(path)
    assert count == 4500
    assert frame["n"].tolist() == list(range(4500))
    assert frame["note"].tolist()[-1] == "row 4499"
