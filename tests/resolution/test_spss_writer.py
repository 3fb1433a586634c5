"""The chunked SPSS writer (`exports/spss.py`): files that pyreadstat (and pandas, through
it) read back value for value — labels, date-times, missing values, unicode, very long
strings — whatever the row count, and a file laid out as the PSPP format description says."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pandas as pd
import pyreadstat
import pytest
from casecast.resolution.exports.columns import Column, Row
from casecast.resolution.exports.spss import segments
from casecast.resolution.exports.writers import write_spss

from tests.resolution.labelled_files import WHEN, text_column, typed_columns, write_rows

pytestmark = pytest.mark.django_db

REASONING = "Ré" * 1499 + "=end"  # 3,002 characters, 4,501 bytes: a very long string


def _columns() -> list[Column[Row]]:
    return [
        *typed_columns(feedback_label="Feedback ✓"),
        text_column("council_with_a_long_name", "Ünïcödé label", "c"),
    ]


ROWS = [
    {"n": 1, "x": 0.25, "ok": True, "at": WHEN, "note": "Short", "arm": "control", "phase": 1,
     "c": "a"},
    {"n": None, "x": None, "ok": None, "at": None, "note": None, "arm": None, "phase": None,
     "c": None},
    {"n": 2**40, "x": -1e-5, "ok": False, "at": WHEN, "note": REASONING, "arm": "x", "phase": 2,
     "c": "=SUM(A1)"},
    {"n": -99, "x": 151.5, "ok": True, "at": datetime(1970, 1, 1, tzinfo=UTC),
     "note": "Ünïcödé ✓", "arm": "feedback", "phase": 2, "c": "b"},
]  # fmt: skip


def _write(study, tmp_path, rows) -> tuple[int, str]:
    return write_rows(
        write_spss, study=study, columns=_columns(), rows=rows, path=tmp_path / "file.sav"
    )


def test_pyreadstat_reads_back_every_value_and_label(study, tmp_path):
    count, path = _write(study, tmp_path, ROWS)
    assert count == 4
    frame, meta = pyreadstat.read_sav(path)
    assert meta.number_rows == 4
    assert list(frame.columns) == [c.name for c in _columns()]
    assert frame["n"].fillna(-1).tolist() == [1, -1, 2**40, -99]
    assert frame["x"][0] == 0.25 and frame["x"][2] == -1e-5 and frame["x"][3] == 151.5
    assert pd.isna(frame["x"][1]) and pd.isna(frame["ok"][1]) and pd.isna(frame["at"][1])
    assert frame["ok"].fillna(-1).tolist() == [1, -1, 0, 1]
    assert frame["at"][0] == pd.Timestamp("2026-11-26 15:20:42")
    assert frame["at"][3] == pd.Timestamp("1970-01-01 00:00:00")
    # Free text: missing is empty; a 4,501-byte text whole; unicode intact.
    assert frame["note"].tolist() == ["Short", "", REASONING, "Ünïcödé ✓"]
    # Formula neutralising is the other writers' (`text_value`), not undone here.
    assert frame["council_with_a_long_name"].tolist() == ["a", "", "'=SUM(A1)", "b"]
    assert meta.variable_value_labels["arm"] == {1: "Control", 2: "Feedback ✓", 3: "x"}
    assert frame["arm"].fillna(-1).tolist() == [1, -1, 3, 2]
    assert meta.variable_value_labels["ok"] == {0: "No", 1: "Yes"}
    assert meta.variable_value_labels["phase"] == {1: "Baseline", 2: "After"}
    assert meta.column_names_to_labels == {c.name: c.label for c in _columns()}
    assert meta.file_label == study.slug
    assert meta.file_encoding == "UTF-8"
    assert meta.original_variable_types["at"] == "DATETIME20"
    assert meta.original_variable_types["note"] == f"A{len(REASONING.encode())}"


def test_labels_applied_and_pandas_read_the_same_file(study, tmp_path):
    _, path = _write(study, tmp_path, ROWS)
    labelled, _ = pyreadstat.read_sav(path, apply_value_formats=True)
    assert labelled["arm"].tolist()[0] == "Control" and labelled["ok"].tolist()[2] == "No"
    other = pd.read_spss(path, convert_categoricals=False)
    assert other["note"].tolist()[2] == REASONING
    assert other["n"].fillna(-1).tolist() == [1, -1, 2**40, -99]


def test_an_empty_file_has_its_variables_and_no_rows(study, tmp_path):
    count, path = _write(study, tmp_path, [])
    frame, meta = pyreadstat.read_sav(path)
    assert count == 0 and len(frame) == 0 and meta.number_rows == 0
    assert list(frame.columns) == [c.name for c in _columns()]
    assert meta.variable_value_labels["arm"] == {1: "Control", 2: "Feedback ✓"}


def test_more_rows_than_one_chunk_keep_their_order(study, tmp_path):
    rows = [dict(ROWS[i % 4], n=i, note=f"row {i}" * (i % 3)) for i in range(4501)]
    count, path = _write(study, tmp_path, rows)
    frame, _ = pyreadstat.read_sav(path)
    assert count == 4501
    assert frame["n"].tolist() == list(range(4501))
    assert frame["note"].tolist() == [f"row {i}" * (i % 3) for i in range(4501)]
    assert frame["arm"].fillna(-1).tolist() == [[1, -1, 3, 2][i % 4] for i in range(4501)]


def test_the_header_holds_the_case_count_and_the_dictionary_the_segments(study, tmp_path):
    _, path = _write(study, tmp_path, ROWS)
    with open(path, "rb") as file:
        data = file.read()
    # Header, as the PSPP description lays it out: "$FL2", product, layout code 2, case
    # size, compression 1, weight 0, number of cases, bias 100.
    assert data[:4] == b"$FL2"
    layout, _, compression, weight, cases = struct.unpack("<5i", data[64:84])
    assert (layout, compression, weight, cases) == (2, 1, 0, 4)
    assert struct.unpack("<d", data[84:92]) == (100.0,)
    # 4,501 bytes: 18 segments (252 bytes of width each, rounded up), 17 of 255 bytes and a
    # last one of 4,501 - 17 * 252 = 217.
    assert segments(4501) == [255] * 17 + [217]
    assert b"NOTE=04501\x00\t" in data  # the very long string record (subtype 14)
    assert b"COUNCIL_=council_with_a_long_name" in data  # long names (subtype 13)


@pytest.mark.parametrize(
    ("width", "expected"),
    [(1, [1]), (255, [255]), (256, [255, 4]), (504, [255, 252]), (505, [255, 255, 1])],
)
def test_a_very_long_string_has_one_segment_per_252_bytes(width, expected):
    # Hand-worked from the PSPP description: n = (w + 251) // 252 segments, all but the
    # last 255 wide, the last w - (n - 1) * 252.
    assert segments(width) == expected


def test_text_over_spss_widest_string_is_cut_there_never_mid_character(study, tmp_path):
    rows = [dict(ROWS[0], note="é" * 20_000), dict(ROWS[0], note="short")]  # 40,000 bytes
    _, path = _write(study, tmp_path, rows)
    frame, meta = pyreadstat.read_sav(path)
    # 32,767 bytes would end halfway through an "é" (2 bytes each): 16,383 of them fit.
    assert frame["note"].tolist() == ["é" * 16_383, "short"]
    assert meta.original_variable_types["note"] == "A32767"
