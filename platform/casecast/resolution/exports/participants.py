"""`participants.csv`: one row per participant of the study, in every status.

Trial-process columns (arm, council, status, flags, dates) for everyone; the About-you
(baseline) answers and per-phase completion and time only for participants whose data may
be analysed. The baseline and phase columns depend on the study, so the column list is
built per study (`participant_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from casecast.forecasts.models import Assignment, StageVisit
from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    fields_read,
    flag,
    table,
)
from casecast.resolution.exports.shared import (
    arm_column,
    council_column,
    pseudonym_column,
    team_column,
)
from casecast.resolution.models import ForecastScore
from casecast.studies.models import BaselineQuestion, EnrolmentRoute, Participant, Phase, Study

FILENAME = "participants.csv"


@dataclass(frozen=True, slots=True)
class PhaseProgress:
    """One participant's progress in one phase."""

    cases: int
    done: int
    started_at: datetime | None
    last_completed_at: datetime | None
    time: timedelta | None

    @property
    def complete(self) -> bool:
        return self.cases > 0 and self.done == self.cases


def _annotation(position: int, what: str) -> str:
    """The name the query gives one per-phase aggregate, e.g. `p2_cases`."""
    return f"p{position}_{what}"


_PROGRESS = ("cases", "done", "started", "completed", "time")


class ParticipantRow(Row):
    """A participant, whether their data may be analysed, and their progress per phase
    (read only when it may be)."""

    READS = ("arm__key", "withdrawn_at", "keep_data", "erased_at", "baseline")
    __slots__ = ("analysed", "baseline", "erased", "progress", "withdrawn")

    def __init__(self, db: dict[str, Any], names: Pseudonyms, positions: list[int]) -> None:
        super().__init__(db, names)
        self.erased = db["erased_at"] is not None
        self.withdrawn = db["withdrawn_at"] is not None
        self.analysed = not self.erased and not (self.withdrawn and db["keep_data"] is False)
        self.baseline: dict[str, Any] = (db["baseline"] or {}) if self.analysed else {}
        self.progress: dict[int, PhaseProgress] = {}
        if self.analysed:
            for n in positions:
                cases, done, started, completed, time = (
                    db[_annotation(n, what)] for what in _PROGRESS
                )
                self.progress[n] = PhaseProgress(cases or 0, done or 0, started, completed, time)


# --- the fixed columns -------------------------------------------------------------------


def _fixed_columns(study: Study, unblinded: bool) -> list[Column[ParticipantRow]]:
    statuses = ", ".join(f"{value} ({label})" for value, label in Participant.Status.choices)
    return [
        pseudonym_column(participant_id="pk"),
        arm_column(study, arm_key="arm__key", unblinded=unblinded),
        council_column(
            council_id="council_id",
            description="Pseudonym of the participant's council (as in scores.csv)",
        ),
        team_column(study, team_id="team_membership__team_id", unblinded=unblinded),
        Column(
            "status",
            ColumnType.TEXT,
            "Participant status",
            f"Where the participant is: {statuses}",
            Field("status"),
            value_labels=tuple(Participant.Status.choices),
        ),
        Column(
            "enrolment_route",
            ColumnType.TEXT,
            "How they enrolled",
            "How they enrolled: invitation, council_code, single_code or study_code",
            Field("enrolled_via"),
            value_labels=tuple(EnrolmentRoute.choices),
        ),
        flag(
            "consented",
            "Gave consent",
            "1 if they gave consent",
            Field("consented_at", _is_set),
        ),
        flag(
            "baseline_done",
            "Answered the About-you questions",
            "1 if they answered the About-you questions",
            Field("baseline_completed_at", _is_set),
        ),
        flag(
            "randomised",
            "Allocated to an arm",
            "1 if allocated to an arm",
            Field("arm__key", _is_set),
        ),
        flag("withdrawn", "Withdrew", "1 if they withdrew", lambda row: row.withdrawn),
        flag(
            "keep_data",
            "On withdrawal, data may be analysed",
            "On withdrawal: 1 if data given so far may be analysed, 0 if not; empty if "
            "not withdrawn",
            lambda row: row.db["keep_data"] if row.withdrawn else None,
        ),
        flag(
            "erased",
            "Answers and personal data erased",
            "1 if their answers and personal data were erased",
            lambda row: row.erased,
        ),
        flag(
            "analysed",
            "Data may be analysed",
            "1 if their data may be analysed (not erased, and not withdrawn with "
            "keep_data = 0); 0 rows have empty answer and phase columns",
            lambda row: row.analysed,
        ),
        Column(
            "consent_version",
            ColumnType.INTEGER,
            "Consent version agreed to",
            "Version of the consent text they agreed to",
            Field("consent_version__number"),
        ),
        _time("enrolled_at", "Enrolled (UTC)", "When they enrolled (UTC)"),
        _time("consented_at", "Consented (UTC)", "When they gave consent (UTC)"),
        _time(
            "baseline_completed_at",
            "Answered the About-you questions (UTC)",
            "When they answered the About-you questions (UTC)",
        ),
        Column(
            "randomised_at",
            ColumnType.TIME,
            "Allocated to an arm (UTC)",
            "When they were allocated to an arm (UTC); empty until the study closes",
            Field("randomised_at"),
            concealed=True,
        ),
        _time("withdrawn_at", "Withdrew (UTC)", "When they withdrew (UTC)"),
    ]


def _is_set(value: Any) -> bool:
    return value is not None


def _time(name: str, label: str, description: str) -> Column[ParticipantRow]:
    return Column(name, ColumnType.TIME, label, description, Field(name))


# --- About-you (baseline) columns, one per question ----------------------------------------

_STATA_NAME = re.compile(r"[^a-z0-9_]")
_BASELINE_TYPES = {"number": ColumnType.INTEGER, "choice": ColumnType.TEXT}


def _column_name(prefix: str, key: str, taken: set[str]) -> str:
    """A column name Stata accepts: letters, digits and _, at most 32 characters, unique."""
    base = (prefix + _STATA_NAME.sub("_", key.lower()))[:32]
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = base[: 32 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _baseline_columns(study: Study, taken: set[str]) -> list[Column[ParticipantRow]]:
    columns: list[Column[ParticipantRow]] = []
    questions = BaselineQuestion.objects.filter(study=study).order_by("position", "pk")
    for question in questions:
        choices = f" Answers: {'; '.join(map(str, question.choices))}." if question.choices else ""
        columns.append(
            Column(
                _column_name("baseline_", question.key, taken),
                _BASELINE_TYPES.get(question.kind, ColumnType.TEXT),
                f"About you: {question.label}"[:80],
                f"About you: '{question.label}' ({question.get_kind_display().lower()})."
                f"{choices} Empty if not answered",
                _baseline_answer(question.key),
                free_text=True,
            )
        )
    return columns


def _baseline_answer(key: str) -> Callable[[ParticipantRow], Any]:
    return lambda row: row.baseline.get(key)


# --- per-phase columns -------------------------------------------------------------------


def _phase_columns(phase: Phase) -> list[Column[ParticipantRow]]:
    n = phase.position
    about = f"Phase {n} ({phase.name})"
    short = f"Phase {n}"
    reads = tuple(_annotation(n, what) for what in _PROGRESS)

    def of(fact: Callable[[PhaseProgress], Any]) -> Callable[[ParticipantRow], Any]:
        def get(row: ParticipantRow) -> Any:
            progress = row.progress.get(n)
            return None if progress is None else fact(progress)

        return get

    def column(
        name: str,
        type: ColumnType,
        label: str,
        description: str,
        fact: Callable[[PhaseProgress], Any],
    ) -> Column[ParticipantRow]:
        return Column(f"phase{n}_{name}", type, f"{short}: {label}", description, of(fact), reads)

    return [
        column(
            "cases",
            ColumnType.INTEGER,
            "cases given",
            f"{about}: cases given to them",
            lambda p: p.cases,
        ),
        column(
            "cases_completed",
            ColumnType.INTEGER,
            "cases completed",
            f"{about}: cases completed",
            lambda p: p.done,
        ),
        flag(
            f"phase{n}_completed",
            f"{short}: every case given completed",
            f"{about}: 1 if every case given was completed; empty if no case was given",
            of(lambda p: p.complete if p.cases else None),
            reads=reads,
        ),
        column(
            "started_at",
            ColumnType.TIME,
            "first case opened (UTC)",
            f"{about}: when they first opened a case (UTC)",
            lambda p: p.started_at,
        ),
        column(
            "completed_at",
            ColumnType.TIME,
            "last case completed (UTC)",
            f"{about}: when they completed the last case (UTC); empty until all are done",
            lambda p: p.last_completed_at if p.complete else None,
        ),
        column(
            "seconds",
            ColumnType.INTEGER,
            "seconds spent",
            f"{about}: time spent, the seconds from first showing each stage of a case "
            "to submitting it, summed over the stages submitted (includes any time a "
            "page was left open); empty if no stage was submitted",
            lambda p: max(0, int(p.time.total_seconds())) if p.time is not None else None,
        ),
    ]


def _phase_annotations(phases: list[Phase]) -> dict[str, Any]:
    """Per phase, correlated subqueries over the participant's assignments and stage visits,
    named `p<position>_<what>` for each of `_PROGRESS`."""
    annotations: dict[str, Any] = {}

    def aggregate(rows: QuerySet[Any], value: Any) -> Subquery:
        return Subquery(rows.order_by().values("participant_id").annotate(v=value).values("v")[:1])

    for phase in phases:
        mine = Assignment.objects.filter(participant_id=OuterRef("pk"), phase_id=phase.pk)
        n = phase.position
        annotations[_annotation(n, "cases")] = aggregate(mine, Count("pk"))
        annotations[_annotation(n, "done")] = aggregate(
            mine.filter(completed_at__isnull=False), Count("pk")
        )
        annotations[_annotation(n, "started")] = aggregate(mine, Min("started_at"))
        annotations[_annotation(n, "completed")] = aggregate(mine, Max("completed_at"))
        visits = StageVisit.objects.filter(
            assignment__participant_id=OuterRef("pk"),
            assignment__phase_id=phase.pk,
            submitted_at__isnull=False,
        )
        annotations[_annotation(n, "time")] = Subquery(
            visits.order_by()
            .values("assignment__participant_id")
            .annotate(
                v=Sum(
                    ExpressionWrapper(
                        F("submitted_at") - F("first_viewed_at"), output_field=DurationField()
                    )
                )
            )
            .values("v")[:1],
            output_field=DurationField(),
        )
    return annotations


# --- Brier scores, as the summaries and the analysis define them ---------------------------

_BRIER = {"baseline": False, "primary": True}  # column prefix -> after_randomisation


def _brier_columns() -> list[Column[ParticipantRow]]:
    """The participant's mean Brier score on yes/no questions (0-1) before randomisation
    (the analysis's baseline covariate) and from it on (the primary outcome): the means
    `ParticipantSummary.baseline_brier` and `primary_brier` hold, computed here from the
    stored scores so the file agrees with scores.csv as it is exported."""
    return [
        Column(
            "baseline_brier",
            ColumnType.NUMBER,
            "Baseline Brier score, yes/no questions, 0-1 (lower is better)",
            "Mean Brier score (0-1) of the participant's counted yes/no forecasts made "
            "before randomisation (scores.csv rows with counted = 1, brier not empty and "
            "after_randomisation = 0): the baseline covariate of the primary analysis. "
            "Empty if none, or if their data may not be analysed",
            lambda row: row.db["brier_baseline"] if row.analysed else None,
            reads=("brier_baseline",),
        ),
        Column(
            "primary_brier",
            ColumnType.NUMBER,
            "Primary Brier score, yes/no questions, 0-1 (lower is better)",
            "Mean Brier score (0-1) of the participant's counted yes/no forecasts made in "
            "or after the randomisation phase (scores.csv rows with counted = 1, brier not "
            "empty and after_randomisation = 1): the primary outcome. Empty if none, or if "
            "their data may not be analysed",
            lambda row: row.db["brier_primary"] if row.analysed else None,
            reads=("brier_primary",),
        ),
    ]


def _brier_annotations() -> dict[str, Any]:
    """Per participant, the mean stored Brier of counted yes/no scores, before and after
    randomisation (correlated subqueries, one row per participant)."""
    annotations: dict[str, Any] = {}
    for name, after in _BRIER.items():
        scores = ForecastScore.objects.filter(
            participant_id=OuterRef("pk"),
            is_last=True,
            is_retest=False,
            probability__isnull=False,  # a yes/no question's score
            brier__isnull=False,
            after_randomisation=after,
        )
        annotations[f"brier_{name}"] = Subquery(
            scores.order_by().values("participant_id").annotate(v=Avg("brier")).values("v")[:1]
        )
    return annotations


# --- the file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    phases: list[Phase]
    columns: list[Column[ParticipantRow]]


def _layout(study: Study, unblinded: bool = False) -> _Layout:
    fixed = _fixed_columns(study, unblinded)
    brier = _brier_columns()
    baseline = _baseline_columns(study, taken={column.name for column in (*fixed, *brier)})
    phases = list(study.phases.order_by("position"))
    by_phase = [column for phase in phases for column in _phase_columns(phase)]
    return _Layout(phases=phases, columns=[*fixed, *baseline, *by_phase, *brier])


def participant_columns(study: Study) -> list[Column[ParticipantRow]]:
    return _layout(study).columns


def participant_source(
    *, study: Study, only: Q | None = None, unblinded: bool = False
) -> Source[ParticipantRow]:
    """One row per participant of the study (every status; `only` narrows the rows
    further, as the research API's pages do; `unblinded`: real arm keys while blinded)."""
    layout = _layout(study, unblinded)
    names = Pseudonyms(study)
    positions = [phase.position for phase in layout.phases]
    rows = (
        Participant.objects.filter(study=study)
        .filter(only or Q())
        .annotate(**_phase_annotations(layout.phases), **_brier_annotations())
        .order_by("pk")
        .values(*fields_read(layout.columns, ParticipantRow))
    )
    return Source(
        layout.columns,
        (ParticipantRow(db, names, positions) for db in rows.iterator(chunk_size=CHUNK)),
    )


def participant_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `participant_source`."""
    return table(study=study, source=participant_source(study=study))
