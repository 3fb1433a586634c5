"""Reads: which forecasts count, outcome timing, resolution lists, results and exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from casecast import scoring
from casecast.core.pseudonyms import pseudonym
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution.models import ArmSummary, ForecastScore, RescoreJob
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.studies.models import Participant, Study
from casecast.studies.selectors import arms_ordered
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
        .exclude(kind__in=[Question.Kind.DECISION, Question.Kind.RATIONALE])
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
    from casecast.audit.models import AuditEvent

    ids = [
        str(pk)
        for pk in Question.objects.filter(
            version__vignette_id=question.version.vignette_id, key=question.key
        ).values_list("pk", flat=True)
    ]
    return AuditEvent.objects.filter(
        target_type="vignettes.question", target_id__in=ids, action__startswith="question."
    )


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
        RescoreJob.Status.DONE: f"Finished: {job.total:,} forecasts rescored.",
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


def calibration_rows(*, study: Study, bins: int = 10) -> list[CalibrationRow]:
    """Calibration of every counted binary forecast in the study (all participants)."""
    rows = list(
        ForecastScore.objects.filter(
            study=study, is_last=True, is_retest=False, kind=Question.Kind.BINARY
        ).values_list("probability", "outcome_binary")
    )
    if not rows:
        return []
    p = np.array([r[0] for r in rows], dtype=np.float64)
    y = np.array([1 if r[1] else 0 for r in rows], dtype=np.int8)
    table = scoring.calibration_table(p, y, bins=bins)
    width = 100 // bins
    return [
        CalibrationRow(
            bin_label=f"{i * width}–{(i + 1) * width}%",
            count=int(table.count[i]),
            mean_forecast=_number(table.mean_forecast[i]),
            observed_rate=_number(table.observed_rate[i]),
            ci_low=_number(table.ci_low[i]),
            ci_high=_number(table.ci_high[i]),
        )
        for i in range(bins)
    ]


def arm_results(*, study: Study) -> list[tuple[Any, ArmSummary | None]]:
    """Each arm (control first) with its summary, if scored yet."""
    summaries = {s.arm_id: s for s in ArmSummary.objects.filter(study=study)}
    arms = sorted(arms_ordered(study=study), key=lambda arm: (not arm.is_control, arm.position))
    return [(arm, summaries.get(arm.pk)) for arm in arms]


# --- export -------------------------------------------------------------------------------

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("pseudonym", "HMAC-SHA256 of the participant id with the study's secret key (hex)"),
    ("arm", "Arm key the participant was randomised to; empty if not randomised"),
    ("council", "HMAC-SHA256 pseudonym of the council (cluster); empty if none"),
    ("vignette", "Vignette key"),
    ("vignette_version", "Version number of the vignette the participant saw"),
    ("phase", "Phase position (1 = first)"),
    ("after_randomisation", "1 if made in or after the phase randomisation precedes, else 0"),
    ("question", "Question key (the same across vignette versions)"),
    ("stage", "Stage position within the vignette (1 = first)"),
    ("kind", "binary, multiple_choice, ordered or numeric"),
    ("is_update", "1 if the forecast replaced an earlier one, else 0"),
    ("is_retest", "1 if made in a test-retest repeat, else 0"),
    (
        "counted_in_primary",
        "1 if the last forecast for the question in its assignment and not a retest",
    ),
    ("submitted_at", "When submitted, ISO 8601 UTC"),
    ("probability", "Binary: forecast probability 0-1"),
    ("probabilities", "Multiple choice/ordered: option probabilities 0-1 separated by ';'"),
    ("lower", "Numeric: 5th percentile or interval lower bound"),
    ("median", "Numeric: 50th percentile (quantile format only)"),
    ("upper", "Numeric: 95th percentile or interval upper bound"),
    ("interval_confidence", "Numeric interval: stated confidence in percent"),
    ("outcome", "Outcome scored against: 1/0 (binary), option index from 0, or the number"),
    ("brier", "Brier score: binary 0-1; multiple choice/ordered 0-2 (lower is better)"),
    ("log_score", "-ln(probability of the outcome) (lower is better)"),
    ("spherical", "Spherical score 0-1 (higher is better)"),
    ("rps", "Ranked probability score 0-1, ordered categories (lower is better)"),
    ("interval_score", "Interval score, in the question's unit (lower is better)"),
    ("crps", "CRPS from the three quantiles, in the question's unit (lower is better)"),
    ("scored_at", "When the score was computed, ISO 8601 UTC"),
]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


_EXPORT_READ = (
    "forecast_id",
    "participant_id",
    "participant__arm__key",
    "participant__council_id",
    "question__version__vignette__key",
    "question__version__number",
    "forecast__assignment__phase__position",
    "after_randomisation",
    "question__key",
    "question__stage__position",
    "kind",
    "forecast__is_update",
    "is_retest",
    "is_last",
    "forecast__submitted_at",
    "forecast__probability_pct",
    "forecast__probabilities_pct",
    "forecast__lower",
    "forecast__median",
    "forecast__upper",
    "forecast__interval_confidence",
    "outcome_binary",
    "outcome_category",
    "outcome_numeric",
    "brier",
    "log_score",
    "spherical",
    "rps",
    "interval_score",
    "crps",
    "scored_at",
)


def score_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The pseudonymised score export: a header, then one row per scored forecast."""
    yield [name for name, _ in EXPORT_COLUMNS]
    key = study.pseudonym_key
    rows = (
        ForecastScore.objects.filter(study=study)
        .order_by("participant_id", "forecast__submitted_at", "forecast_id")
        .values_list(*_EXPORT_READ)
    )
    for row in rows.iterator(chunk_size=5000):
        r = dict(zip(_EXPORT_READ, row, strict=True))
        yield [_cell(v) for v in _export_values(r, key)]


def _export_values(r: dict[str, Any], key: str) -> list[Any]:
    pcts = r["forecast__probabilities_pct"]
    outcome = next(
        (
            r[f]
            for f in ("outcome_binary", "outcome_category", "outcome_numeric")
            if r[f] is not None
        ),
        None,
    )
    pct = r["forecast__probability_pct"]
    return [
        pseudonym(key=key, kind="participant", pk=r["participant_id"]),
        r["participant__arm__key"],
        pseudonym(key=key, kind="council", pk=r["participant__council_id"]),
        r["question__version__vignette__key"],
        r["question__version__number"],
        r["forecast__assignment__phase__position"],
        r["after_randomisation"],
        r["question__key"],
        r["question__stage__position"],
        r["kind"],
        r["forecast__is_update"],
        r["is_retest"],
        r["is_last"] and not r["is_retest"],
        r["forecast__submitted_at"],
        pct / 100 if pct is not None else None,
        ";".join(f"{v / 100:g}" for v in pcts) if pcts else None,
        r["forecast__lower"],
        r["forecast__median"],
        r["forecast__upper"],
        r["forecast__interval_confidence"],
        outcome,
        r["brier"],
        r["log_score"],
        r["spherical"],
        r["rps"],
        r["interval_score"],
        r["crps"],
        r["scored_at"],
    ]


def data_dictionary_rows() -> Iterator[list[str]]:
    yield ["column", "description"]
    for name, description in EXPORT_COLUMNS:
        yield [name, description]


def studies_with_scores() -> QuerySet[Study]:
    return Study.objects.filter(Exists(ForecastScore.objects.filter(study=OuterRef("pk"))))


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
        .exclude(question__kind__in=[Question.Kind.DECISION, Question.Kind.RATIONALE])
        .count()
    )
