"""Reads: which forecasts count, outcome timing, resolution lists and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from casecast import scoring
from casecast.audit.models import AuditEvent
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution import charts
from casecast.resolution.models import ArmSummary, ForecastScore, RescoreJob
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.studies.models import Participant, Phase, Study
from casecast.studies.selectors import arms_ordered
from casecast.vignettes import kinds
from casecast.vignettes.models import Question

# --- which forecasts count -----------------------------------------------------------


def counted_forecasts(
    *, study: Study, include_retest: bool = False, participant: Participant | None = None
) -> QuerySet[Forecast]:
    """Per participant, question and stage (within one assignment), the last forecast submitted.

    Earlier updates are not returned (they are still scored, for analysing
    updating). Forecasts made in a test–retest repeat are left out unless
    `include_retest`; each row carries `is_retest`.
    """
    forecasts = Forecast.objects.filter(participant__study=study)
    if participant is not None:
        forecasts = forecasts.filter(participant=participant)
    if not include_retest:
        forecasts = forecasts.filter(assignment__is_retest=False)
    return forecasts.annotate(
        is_retest=F("assignment__is_retest"),
        recency=Window(
            RowNumber(),
            partition_by=[F("participant_id"), F("assignment_id"), F("question_id")],
            order_by=[F("submitted_at").desc(), F("pk").desc()],
        ),
    ).filter(recency=1)


# --- outcome timing (the arm's feedback policy is checked by the feedback feature) ----


def outcome_visible(*, participant: Participant, question: Question) -> bool:
    """May this participant learn this question's outcome now, by the study's timing rule?"""
    return question.pk in outcomes_visible(participant=participant, questions=[question])


def outcomes_visible(*, participant: Participant, questions: list[Question]) -> set[int]:
    """Ids of the questions whose outcomes this participant may learn now.

    At most one query however many questions (the track-record page asks about
    every question the participant has answered). `questions` need `version`.
    """
    known = [q for q in questions if q.has_outcome and not q.annulled]
    release = participant.study.outcome_release
    Release = Study.OutcomeRelease
    if not known or release == Release.NEVER:
        return set()
    if release == Release.AFTER_STUDY:
        closed = participant.study.status in (Study.Status.CLOSED, Study.Status.ARCHIVED)
        return {q.pk for q in known} if closed else set()
    if release == Release.IMMEDIATELY:
        # Answered in any version of the vignette: a new version keeps question keys.
        answered = set(
            Forecast.objects.filter(
                participant=participant,
                question__version__vignette_id__in={q.version.vignette_id for q in known},
            ).values_list("question__version__vignette_id", "question__key")
        )
        return {q.pk for q in known if (q.version.vignette_id, q.key) in answered}
    complete = _vignettes_in_complete_phases(participant)
    return {q.pk for q in known if q.version.vignette_id in complete}


def _vignettes_in_complete_phases(participant: Participant) -> set[int]:
    """Vignettes whose first phase (for this participant) has all its cases completed."""
    rows = Assignment.objects.filter(participant=participant).values_list(
        "vignette_version__vignette_id", "phase_id", "phase__position", "completed_at"
    )
    first_phase: dict[int, tuple[int, int]] = {}
    unfinished_phases: set[int] = set()
    for vignette_id, phase_id, position, completed_at in rows:
        if completed_at is None:
            unfinished_phases.add(phase_id)
        if vignette_id not in first_phase or position < first_phase[vignette_id][0]:
            first_phase[vignette_id] = (position, phase_id)
    return {
        vignette_id
        for vignette_id, (_, phase_id) in first_phase.items()
        if phase_id not in unfinished_phases
    }


# --- resolution list ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResolutionRow:
    question: Question  # the current version's question
    vignette_key: str
    vignette_title: str
    outcome: str
    n_forecasts: int

    @property
    def resolved(self) -> bool:
        return self.question.has_outcome


def resolution_rows(*, study: Study) -> list[ResolutionRow]:
    """One row per vignette and question key, shown through the latest version."""
    questions = (
        Question.objects.filter(version__vignette__study=study)
        .exclude(kind__in=kinds.other_values())
        .select_related("version__vignette")
        .order_by("version__vignette__key", "stage__position", "position", "-version__number")
    )
    counts: dict[tuple[int, str], int] = {}
    for vignette_id, key, n in (
        Forecast.objects.filter(participant__study=study)
        .values_list("question__version__vignette_id", "question__key")
        .annotate(n=Count("pk"))
    ):
        counts[(vignette_id, key)] = counts.get((vignette_id, key), 0) + n
    rows: dict[tuple[int, str], ResolutionRow] = {}
    for question in questions:
        vignette = question.version.vignette
        slot = (vignette.pk, question.key)
        if slot in rows and rows[slot].question.version.number >= question.version.number:
            continue
        rows[slot] = ResolutionRow(
            question=question,
            vignette_key=vignette.key,
            vignette_title=question.version.title,
            outcome=outcome_label(question=question, outcome=Outcome.of(question)),
            n_forecasts=counts.get(slot, 0),
        )
    return list(rows.values())


def question_for_study(*, study: Study, question_id: int) -> Question | None:
    return (
        Question.objects.filter(pk=question_id, version__vignette__study=study)
        .select_related("version__vignette")
        .first()
    )


def question_history(*, question: Question) -> QuerySet[Any]:
    ids = [
        str(pk)
        for pk in Question.objects.filter(
            version__vignette_id=question.version.vignette_id, key=question.key
        ).values_list("pk", flat=True)
    ]
    return AuditEvent.objects.filter(
        target_type="vignettes.question", target_id__in=ids, action__startswith="question."
    ).select_related("actor")


HISTORY_ACTIONS = {
    "question.resolve": "Outcome recorded",
    "question.correct": "Outcome corrected",
    "question.annul": "Question annulled",
    "question.reinstate": "Question reinstated",
}


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    by: str
    changes: list[str]
    reason: str


def _snapshot_outcome(question: Question, snapshot: dict[str, Any] | None) -> str:
    value = (snapshot or {}).get("outcome")
    if not value:
        return "none"
    outcome = Outcome(
        binary=value.get("binary"), category=value.get("category"), numeric=value.get("numeric")
    )
    return outcome_label(question=question, outcome=outcome) or "none"


def _snapshot_date(value: Any) -> str:
    """An ISO date from the audit trail as GOV.UK writes dates: 3 February 2024."""
    if not value:
        return "none"
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def _snapshot_changes(question: Question, data: dict[str, Any]) -> list[str]:
    """'Outcome: yes → no' for each of outcome, date known and source that changed."""
    before, after = data.get("before"), data.get("after")
    if not isinstance(after, dict):
        return []
    before = before if isinstance(before, dict) else {}
    changes = []
    pairs = [
        ("Outcome", _snapshot_outcome(question, before), _snapshot_outcome(question, after)),
        (
            "Date known",
            _snapshot_date(before.get("known_at")),
            _snapshot_date(after.get("known_at")),
        ),
        ("Source", before.get("source") or "none", after.get("source") or "none"),
    ]
    for name, old, new in pairs:
        if old != new:
            changes.append(f"{name}: {old} \N{RIGHTWARDS ARROW} {new}")
    return changes


def _actor_name(event: Any) -> str:
    if event.actor_id is None:
        return "The system"
    if event.actor is None:
        return "A deleted account"
    return str(event.actor.name or event.actor.email or f"User {event.actor_id}")


def question_history_rows(*, question: Question, limit: int = 20) -> list[HistoryRow]:
    """The question's outcome history in plain words, newest first."""
    return [
        HistoryRow(
            at=event.at,
            action=HISTORY_ACTIONS.get(event.action, event.action),
            by=_actor_name(event),
            changes=_snapshot_changes(question, event.data or {}),
            reason=event.reason,
        )
        for event in question_history(question=question)[:limit]
    ]


def first_unresolved_question(*, study: Study) -> Question | None:
    """The first question, in list order, that is waiting for its outcome (else None)."""
    for row in resolution_rows(study=study):
        if not row.resolved and not row.question.annulled:
            return row.question
    return None


def primary_phases(*, study: Study) -> list[Phase]:
    """The phases whose yes/no forecasts make the primary outcome: the phase participants
    are randomised before and every later one (every phase if none randomises)."""
    phases = list(study.phases.order_by("position"))
    after = _after_randomisation([(p.pk, p.position, p.randomise_before) for p in phases])
    return [phase for phase in phases if after[phase.pk]]


def after_randomisation_by_phase(*, study_id: int) -> dict[int, bool]:
    """Phase id -> whether forecasts made in it count as after randomisation (the phases of
    `primary_phases`). One query; the scoring pipeline and the exports both use it."""
    rows = Phase.objects.filter(study_id=study_id).values_list("pk", "position", "randomise_before")
    return _after_randomisation(list(rows))


def _after_randomisation(phases: list[tuple[int, int, bool]]) -> dict[int, bool]:
    starts = [position for _, position, randomises in phases if randomises]
    first = min(starts) if starts else None
    return {pk: first is None or position >= first for pk, position, _ in phases}


# --- rescore progress ---------------------------------------------------------------


def rescore_job_latest(*, study: Study) -> RescoreJob | None:
    return RescoreJob.objects.filter(study=study).first()


def rescore_job_status(*, job: RescoreJob | None) -> dict[str, Any]:
    if job is None:
        return {"status": "none", "done": 0, "total": 0, "percent": 0, "text": "No rescore yet."}
    text = {
        RescoreJob.Status.QUEUED: "Waiting to start.",
        RescoreJob.Status.RUNNING: (
            f"Scored {job.done:,} of {job.total:,} forecasts ({job.percent}%)."
        ),
        RescoreJob.Status.DONE: _done_text(job),
        RescoreJob.Status.FAILED: "The rescore failed. Try again or contact support.",
    }[RescoreJob.Status(job.status)]
    return {
        "id": job.pk,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "text": text,
        "active": job.is_active,
    }


def _done_text(job: RescoreJob) -> str:
    if job.scored is None:
        return f"Finished: {job.total:,} answers checked."
    unscored = job.total - job.scored
    text = f"Finished: {job.scored:,} {'forecast' if job.scored == 1 else 'forecasts'} scored."
    if unscored > 0:
        text += (
            f" {unscored:,} other {'answer has' if unscored == 1 else 'answers have'} no score "
            "(decisions, reasoning, or questions without an outcome)."
        )
    return text


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationRow:
    bin_label: str
    count: int
    mean_forecast: float | None
    observed_rate: float | None
    ci_low: float | None
    ci_high: float | None


def _number(x: Any) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


def calibration_rows(*, study: Study) -> list[CalibrationRow]:
    """Calibration of every counted binary forecast in the study (all participants),
    in the same groups as a participant's chart (`charts.bins_for`, `charts.bin_bounds`)."""
    rows = list(
        ForecastScore.objects.filter(
            study=study,
            is_last=True,
            is_retest=False,
            kind__in=kinds.values_scored_by(kinds.Scoring.EVENT),
        ).values_list("probability", "outcome_binary")
    )
    if not rows:
        return []
    p = np.array([r[0] for r in rows], dtype=np.float64)
    y = np.array([1 if r[1] else 0 for r in rows], dtype=np.int8)
    bins = charts.bins_for(len(rows))
    table = scoring.calibration_table(p, y, bins=bins)
    return [
        CalibrationRow(
            bin_label="{}–{}%".format(*charts.bin_bounds(i, bins)),
            count=int(table.count[i]),
            mean_forecast=_number(table.mean_forecast[i]),
            observed_rate=_number(table.observed_rate[i]),
            ci_low=_number(table.ci_low[i]),
            ci_high=_number(table.ci_high[i]),
        )
        for i in range(bins)
    ]


def arm_results(
    *, study: Study, labels: dict[int, str] | None = None
) -> list[tuple[Any, ArmSummary | None]]:
    """Each arm (control first, or in the order of `labels`) with its summary, if scored yet.

    `labels` (from `casecast.studies.blinding.arm_labels`) also sets `arm.label`."""
    summaries = {s.arm_id: s for s in ArmSummary.objects.filter(study=study)}
    arms = sorted(arms_ordered(study=study), key=lambda arm: (not arm.is_control, arm.position))
    if labels is not None:
        order = list(labels)
        arms = sorted(arms, key=lambda arm: order.index(arm.pk) if arm.pk in order else len(order))
    for arm in arms:
        arm.label = labels.get(arm.pk, arm.name) if labels is not None else arm.name  # type: ignore[attr-defined]
    return [(arm, summaries.get(arm.pk)) for arm in arms]


@dataclass(frozen=True)
class PooledResult:
    """Every arm together: what interim results show while the study is blinded."""

    n_participants: int
    n_forecasts: int
    mean_brier: float | None


def pooled_result(*, study: Study) -> PooledResult:
    """All arms pooled: each participant's primary Brier counts once, whatever their arm.

    Each arm's mean is over its participants with a primary Brier (`n_participants`), so
    the pooled mean is the arms' means weighted by their participants."""
    rows = list(
        ArmSummary.objects.filter(study=study).values_list(
            "n_participants", "n_forecasts", "mean_brier"
        )
    )
    people = sum(n for n, _, mean in rows if mean is not None)
    total = sum(n * mean for n, _, mean in rows if mean is not None)
    return PooledResult(
        n_participants=sum(n for n, _, _ in rows),
        n_forecasts=sum(f for _, f, _ in rows),
        mean_brier=total / people if people else None,
    )


def unscored_resolved_forecasts(*, study: Study) -> int:
    """Forecasts on resolved, live questions without a score (0 once the pipeline caught up)."""
    return (
        Forecast.objects.filter(
            participant__study=study, question__annulled=False, score__isnull=True
        )
        .filter(
            Q(question__outcome_binary__isnull=False)
            | Q(question__outcome_category__isnull=False)
            | Q(question__outcome_numeric__isnull=False)
        )
        .exclude(question__kind__in=kinds.other_values())
        .count()
    )
