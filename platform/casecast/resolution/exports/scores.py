"""`scores.csv`: one row per scored forecast, with every score.

Read from the stored scores (`ForecastScore`), which carry the flags and the outcome the
scoring pipeline used, so the file and the results page agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from casecast.resolution.exports import kinds
from casecast.resolution.exports.columns import (
    Chunked,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Source,
    fields_read,
    table,
)
from casecast.resolution.exports.fetch import value_chunks
from casecast.resolution.exports.shared import (
    LINKED,
    AnswerRow,
    LinkedAnswers,
    after_randomisation_column,
    analysable,
    case_columns,
    flag_columns,
    linked_columns,
    primary_column,
    question_columns,
)
from casecast.resolution.models import ForecastScore
from casecast.studies.models import Study

FILENAME = "scores.csv"


class ScoreRow(AnswerRow):
    """A stored score with its forecast; the flags as the scoring pipeline stored them."""

    READS = (
        "is_last",
        "is_retest",
        "forecast__is_update",
        "after_randomisation",
        "probability",
        "participant__arm__key",
        # For `LinkedAnswers`.
        "question_id",
        "question__relates_to_id",
        "forecast__assignment_id",
    )
    __slots__ = ()

    def __init__(self, db: dict[str, Any], names: Pseudonyms) -> None:
        super().__init__(db, names)
        self.is_update = db["forecast__is_update"]
        self.is_retest = db["is_retest"]
        self.is_last = db["is_last"]
        self.after_randomisation = db["after_randomisation"]
        self.counted = self.is_last and not self.is_retest
        self.primary = (
            self.counted
            and db["probability"] is not None
            and self.after_randomisation
            and db["participant__arm__key"] is not None
        )


def _score(name: str, label: str, description: str) -> Column[ScoreRow]:
    return Column(name, ColumnType.NUMBER, label, description, Field(name))


def score_columns(study: Study, unblinded: bool = False) -> list[Column[ScoreRow]]:
    return [
        *case_columns(study, forecast="forecast__", unblinded=unblinded),
        after_randomisation_column(
            "1 if made in the phase participants are randomised before or any later phase "
            "(every phase if none randomises), else 0"
        ),
        *question_columns(),
        *linked_columns(),
        kinds.kind_column(kinds=kinds.scored(), read="kind"),
        *flag_columns(),
        primary_column(),
        Column(
            "submitted_at",
            ColumnType.TIME,
            "Forecast submitted (UTC)",
            "When the forecast was submitted (UTC)",
            Field("forecast__submitted_at"),
        ),
        *kinds.answer_columns(study, kinds=kinds.scored(), forecast="forecast__"),
        kinds.outcome_column(),
        *kinds.brier_columns(),
        _score(
            "log_score",
            "Log score (lower is better)",
            "Natural-log score, -ln(probability given to the outcome); lower is better",
        ),
        _score(
            "spherical",
            "Spherical score (higher is better)",
            "Spherical score 0-1; higher is better",
        ),
        _score(
            "rps",
            "Ranked probability score (lower is better)",
            "Ranked probability score 0-1, ordered questions; lower is better",
        ),
        _score(
            "interval_score",
            "Interval score (lower is better)",
            "Interval score, in the question's unit; lower is better",
        ),
        _score(
            "wis",
            "Weighted interval score (lower is better)",
            "Weighted interval score (Bracher et al. 2021) of the three percentiles (the "
            "median and the 90% interval p5-p95), in the question's unit; lower is better. "
            "Not the CRPS, which three percentiles only approximate",
        ),
        Column(
            "scored_at",
            ColumnType.TIME,
            "Scored (UTC)",
            "When the score was computed (UTC)",
            Field("scored_at"),
        ),
    ]


def score_source(
    *, study: Study, only: Q | None = None, unblinded: bool = False
) -> Source[ScoreRow]:
    """One row per scored forecast of participants whose data may be used (`only` narrows
    the rows further, as the research API's pages do; `unblinded`: real arm keys while
    blinded, for the data monitoring committee)."""
    columns = score_columns(study, unblinded)
    names = Pseudonyms(study)
    rows = (
        analysable(ForecastScore.objects.filter(study=study).filter(only or Q()))
        .order_by("participant_id", "forecast__submitted_at", "forecast_id")
        .values(*fields_read(columns, ScoreRow, filled=LINKED))
    )
    return Source(columns, Chunked(_score_row_chunks(rows, names)))


def _score_row_chunks(
    rows: QuerySet[ForecastScore, dict[str, Any]], names: Pseudonyms
) -> Iterator[list[ScoreRow]]:
    linked = LinkedAnswers(forecast="forecast__")
    for chunk in value_chunks(rows):
        linked.fill(chunk)
        yield [ScoreRow(db, names) for db in chunk]


def score_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `score_source`."""
    return table(study=study, source=score_source(study=study))
