"""Pseudonymised CSV exports for analysis in R, Stata or SPSS, and their data dictionary.

Three files, joined on `pseudonym` (and scores to forecasts on `forecast_id`):

- `scores.csv` (`scores.py`): one row per scored forecast, with every score;
- `forecasts.csv` (`forecasts.py`): one row per submitted answer (updates, decisions with
  their confidence, reasoning text, forecasts not scored yet), with stage timings;
- `participants.csv` (`participants.py`): one row per participant: arm, council, status,
  About-you (baseline) answers, dates, and per-phase completion and time spent;

and `data-dictionary.csv` (`dictionary.py`) describing every column of the three.

Each column is declared once, as a `columns.Column` (name, type, label, description,
value labels, how to get its value from a row); the header, the rows and the dictionary
are generated from those declarations. Columns more than one file shows are in
`shared.py`; everything that depends on the kind of question is in `kinds.py`.

Every export is a generator over **one** query read in chunks (`iterator`), so neither
memory nor the number of queries grows with the number of rows; the view streams it.
Participants who withdrew and did not let their data be used (or were erased)
contribute no forecast or score rows, and only their trial-process columns in
`participants.csv`. Cells follow the conventions in `dictionary.CONVENTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from casecast.core.pseudonyms import pseudonym
from casecast.resolution.exports.columns import Column, ColumnType, number_cell
from casecast.resolution.exports.dictionary import data_dictionary_rows
from casecast.resolution.exports.files import FILES, ExportFile
from casecast.resolution.exports.forecasts import forecast_export_rows
from casecast.resolution.exports.participants import participant_export_rows
from casecast.resolution.exports.scores import score_export_rows

# name (as the views name it) -> (file name, rows with the header first)
EXPORTS: dict[str, tuple[str, Callable[..., Iterator[list[str]]]]] = {
    export.name: (export.filename, export.rows) for export in FILES
}

__all__ = [
    "EXPORTS",
    "FILES",
    "Column",
    "ColumnType",
    "ExportFile",
    "data_dictionary_rows",
    "forecast_export_rows",
    "number_cell",
    "participant_export_rows",
    "pseudonym",
    "score_export_rows",
]
