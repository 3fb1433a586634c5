"""The export files a study offers, in the order the data dictionary and the package list
them, with the keys that join them (written into `datapackage.json`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from casecast.resolution.exports import (
    allocations,
    consort,
    exposures,
    forecasts,
    outcomes,
    participants,
    questions,
    scores,
)
from casecast.resolution.exports.columns import Column, Source
from casecast.studies.models import Study


class FileKeys(Protocol):
    """What `datapackage.json` and the codebook need of a file besides its columns: its
    name, its file name and the keys that join it (a study's files and the network's
    pooled files both have them)."""

    @property
    def name(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def primary_key(self) -> tuple[str, ...]: ...

    @property
    def foreign_keys(self) -> tuple[tuple[str, str, str], ...]: ...


@dataclass(frozen=True)
class ExportFile:
    """One file: its columns (for the dictionary), its rows as CSV cells (header first,
    for the single downloads) and as values (`source`, for every format), and its keys.

    `foreign_keys` maps a column of this file to the (file, column) it refers to."""

    name: str  # as the views, URLs and the package name it
    filename: str
    columns: Callable[[Study], Sequence[Column[Any]]]
    rows: Callable[..., Iterator[list[str]]]
    source: Callable[..., Source[Any]]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def stem(self) -> str:
        return self.filename.removesuffix(".csv")


_TO_PARTICIPANT = ("pseudonym", "participants", "pseudonym")
_TO_QUESTION = ("question_id", "questions", "question_id")

FILES: tuple[ExportFile, ...] = (
    ExportFile(
        "scores",
        scores.FILENAME,
        scores.score_columns,
        scores.score_export_rows,
        scores.score_source,
        primary_key=("forecast_id",),
        foreign_keys=(
            ("forecast_id", "forecasts", "forecast_id"),
            _TO_PARTICIPANT,
            _TO_QUESTION,
        ),
    ),
    ExportFile(
        "forecasts",
        forecasts.FILENAME,
        forecasts.forecast_columns,
        forecasts.forecast_export_rows,
        forecasts.forecast_source,
        primary_key=("forecast_id",),
        foreign_keys=(_TO_PARTICIPANT, _TO_QUESTION),
    ),
    ExportFile(
        "participants",
        participants.FILENAME,
        participants.participant_columns,
        participants.participant_export_rows,
        participants.participant_source,
        primary_key=("pseudonym",),
    ),
    ExportFile(
        "questions",
        questions.FILENAME,
        questions.question_columns,
        questions.question_export_rows,
        questions.question_source,
        primary_key=("question_id",),
    ),
    ExportFile(
        "outcomes",
        outcomes.FILENAME,
        outcomes.outcome_columns,
        outcomes.outcome_export_rows,
        outcomes.outcome_source,
        primary_key=("entry",),
        foreign_keys=(("question_id", "questions", "question_id"),),
    ),
    ExportFile(
        "allocations",
        allocations.FILENAME,
        allocations.allocation_columns,
        allocations.allocation_export_rows,
        allocations.allocation_source,
        primary_key=("sequence",),
        foreign_keys=(_TO_PARTICIPANT,),
    ),
    ExportFile(
        "exposures",
        exposures.FILENAME,
        exposures.exposure_columns,
        exposures.exposure_export_rows,
        exposures.exposure_source,
        # A row is one module, one page, or one case's feedback page: no single key column
        # (pseudonym, exposure, phase and case_position together; the last two may be empty).
        foreign_keys=(_TO_PARTICIPANT,),
    ),
    ExportFile(
        "consort",
        consort.FILENAME,
        consort.consort_columns,
        consort.consort_export_rows,
        consort.consort_source,
    ),
)
