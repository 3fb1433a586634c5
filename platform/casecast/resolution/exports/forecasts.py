"""`forecasts.csv`: one row per submitted answer, scored or not, with stage timings.

Updates, decisions with their confidence, reasoning text and forecasts whose outcome is
not known yet are all here; `scored` says which rows also appear in scores.csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from casecast.forecasts.models import Forecast, StageVisit
from casecast.resolution.exports import kinds
from casecast.resolution.exports.columns import (
    Chunked,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Source,
    fields_read,
    flag,
    table,
)
from casecast.resolution.exports.fetch import postgresql_rows, value_chunks
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
    seen_team_column,
    team_column,
)
from casecast.resolution.selectors import after_randomisation_by_phase
from casecast.studies.models import Study

FILENAME = "forecasts.csv"


class ForecastRow(AnswerRow):
    """A submitted answer with its score, if any. `after` maps phase id to whether that
    phase counts as after randomisation (for answers with no stored score to say so)."""

    READS = (
        "recency",
        "assignment__is_retest",
        "is_update",
        "assignment__phase_id",
        "participant__arm__key",
        "score__scored_at",
        "score__probability",
        "score__after_randomisation",
        # For `LinkedAnswers` and `_StageVisits`.
        "assignment_id",
        "question_id",
        "question__relates_to_id",
        "question__stage_id",
    )
    __slots__ = ("scored",)

    def __init__(self, db: dict[str, Any], names: Pseudonyms, after: dict[int, bool]) -> None:
        super().__init__(db, names)
        self.is_update = db["is_update"]
        self.is_retest = db["assignment__is_retest"]
        self.is_last = db["recency"] == 1
        self.counted = self.is_last and not self.is_retest
        self.scored = db["score__scored_at"] is not None
        self.after_randomisation = (
            db["score__after_randomisation"]
            if self.scored
            else after.get(db["assignment__phase_id"], True)
        )
        self.primary = (
            self.counted
            and db["score__probability"] is not None
            and bool(db["score__after_randomisation"])
            and db["participant__arm__key"] is not None
        )


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def forecast_columns(study: Study, unblinded: bool = False) -> list[Column[ForecastRow]]:
    return [
        *case_columns(study, forecast="", unblinded=unblinded),
        Column(
            "case_position",
            ColumnType.INTEGER,
            "Order of the case in the phase (1 = first)",
            "Order in which the case was given within the phase, 1 = first",
            Field("assignment__position", lambda position: position + 1),
        ),
        after_randomisation_column(
            "1 if the case's phase is the phase participants are randomised before or "
            "a later one (every phase if none randomises), else 0"
        ),
        *question_columns(),
        *linked_columns(),
        kinds.kind_column(kinds=kinds.answered(), read="question__kind"),
        Column(
            "earlier_question",
            ColumnType.TEXT,
            "Question this one updates",
            "For an update: key of the question at the earlier stage it updates",
            Field("question__earlier__key"),
        ),
        *flag_columns(),
        team_column(study, team_id="participant__team_membership__team_id", unblinded=unblinded),
        seen_team_column(study, unblinded=unblinded),
        flag(
            "scored",
            "Has a score in scores.csv",
            "1 if the answer has a score in scores.csv (a forecast whose question has an "
            "outcome and is not annulled), else 0",
            attrgetter("scored"),
        ),
        primary_column(),
        Column(
            "stage_viewed_at",
            ColumnType.TIME,
            "Stage first shown (UTC)",
            "When this stage of the case was first shown (UTC)",
            Field("stage_viewed_at"),
        ),
        Column(
            "stage_submitted_at",
            ColumnType.TIME,
            "Stage submitted (UTC)",
            "When this stage was submitted (UTC)",
            Field("stage_submitted_at"),
        ),
        Column(
            "stage_seconds",
            ColumnType.INTEGER,
            "Seconds from showing to submitting the stage",
            "Seconds from first showing the stage to submitting it (includes any time the "
            "page was left open)",
            lambda row: _seconds(row.db["stage_viewed_at"], row.db["stage_submitted_at"]),
            reads=("stage_viewed_at", "stage_submitted_at"),
        ),
        Column(
            "submitted_at",
            ColumnType.TIME,
            "Answer saved (UTC)",
            "When the answer was saved (UTC)",
            Field("submitted_at"),
        ),
        *kinds.answer_columns(study, kinds=kinds.answered(), forecast=""),
    ]


VISITED = ("stage_viewed_at", "stage_submitted_at")


# The ORM query below, as PostgreSQL runs it fastest (one array for the chunk's cases).
_VISITS_SQL = (
    "SELECT assignment_id, stage_id, first_viewed_at, submitted_at "
    f"FROM {StageVisit._meta.db_table} WHERE assignment_id = ANY(%s)"
)


def _stage_visits_fill(rows: list[dict[str, Any]]) -> None:
    """Fill `VISITED` into a chunk of rows: when the answer's stage of its case was first
    shown and submitted (one query a chunk; at most one visit per case and stage)."""
    assignments = list({row["assignment_id"] for row in rows})
    found: Iterable[tuple[Any, ...]] | None = postgresql_rows(
        StageVisit, _VISITS_SQL, [assignments]
    )
    if found is None:
        found = StageVisit.objects.filter(assignment_id__in=assignments).values_list(
            "assignment_id", "stage_id", "first_viewed_at", "submitted_at"
        )
    visits = {
        (assignment, stage): (viewed, submitted) for assignment, stage, viewed, submitted in found
    }
    for row in rows:
        row["stage_viewed_at"], row["stage_submitted_at"] = visits.get(
            (row["assignment_id"], row["question__stage_id"]), (None, None)
        )


def _forecast_rows(study: Study, fields: list[str], only: Q) -> QuerySet[Forecast, dict[str, Any]]:
    return (
        analysable(Forecast.objects.filter(participant__study=study).filter(only))
        .annotate(
            # 1 for the participant's last answer to the question in the case.
            recency=Window(
                RowNumber(),
                partition_by=[F("participant_id"), F("assignment_id"), F("question_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            ),
        )
        .order_by(
            "participant_id",
            "assignment__phase__position",
            "assignment__position",
            "assignment_id",
            "question__stage__position",
            "question__position",
            "submitted_at",
            "pk",
        )
        .values(*fields)
    )


def forecast_source(
    *, study: Study, only: Q | None = None, unblinded: bool = False
) -> Source[ForecastRow]:
    """One row per submitted answer of participants whose data may be used.

    `only` narrows the rows (the research API's pages). `is_last` is worked out among the
    rows `only` keeps, so it must keep whole cases: filter on `assignment_id`, never on
    single answers. `unblinded`: real arm keys while blinded (the data monitoring
    committee's export)."""
    columns = forecast_columns(study, unblinded)
    names = Pseudonyms(study)
    after = after_randomisation_by_phase(study_id=study.pk)
    fields = fields_read(columns, ForecastRow, filled=(*LINKED, *VISITED))
    rows = _forecast_rows(study, fields, only or Q())
    return Source(columns, Chunked(_forecast_row_chunks(rows, names, after)))


def _forecast_row_chunks(
    rows: QuerySet[Forecast, dict[str, Any]], names: Pseudonyms, after: dict[int, bool]
) -> Iterator[list[ForecastRow]]:
    linked = LinkedAnswers(forecast="")
    for chunk in value_chunks(rows):
        linked.fill(chunk)
        _stage_visits_fill(chunk)
        yield [ForecastRow(db, names, after) for db in chunk]


def forecast_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `forecast_source`."""
    return table(study=study, source=forecast_source(study=study))
