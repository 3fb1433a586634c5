"""The export files a study offers, in the order the data dictionary lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from casecast.resolution.exports import forecasts, participants, scores
from casecast.resolution.exports.columns import Column
from casecast.studies.models import Study


@dataclass(frozen=True)
class ExportFile:
    """One downloadable file: its columns (for the dictionary) and its rows (header first)."""

    name: str  # as the views and URLs name it
    filename: str
    columns: Callable[[Study], Sequence[Column[Any]]]
    rows: Callable[..., Iterator[list[str]]]


FILES: tuple[ExportFile, ...] = (
    ExportFile("scores", scores.FILENAME, scores.score_columns, scores.score_export_rows),
    ExportFile(
        "forecasts", forecasts.FILENAME, forecasts.forecast_columns, forecasts.forecast_export_rows
    ),
    ExportFile(
        "participants",
        participants.FILENAME,
        participants.participant_columns,
        participants.participant_export_rows,
    ),
)
