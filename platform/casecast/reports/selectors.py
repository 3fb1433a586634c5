"""Reads for the trial report: the arrays the analysis runs on, per-protocol exposure, the
cached report.

`report_inputs(study=..., plan=...)` reads the study once into a `compute.ReportInputs`:
one row per randomised participant whose data may be analysed (not those who withdrew and
asked for their data to be left out), in ascending id order; one column per primary
question (vignette and question key, so versions of a vignette share a column). The
primary questions are the yes/no questions of the phase participants are randomised
before; earlier phases give the baseline Brier, later phases the later waves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db.models import Q

from casecast.feedback.selectors import feedback_seen_participant_ids
from casecast.reports.compute import Baseline, ReportInputs
from casecast.reports.models import TrialReport
from casecast.resolution.models import ForecastScore
from casecast.studies.design import participant_levels
from casecast.studies.models import BaselineQuestion, DesignVersion, Participant, Phase, Study
from casecast.studies.selectors import design_current
from casecast.training.models import TrainingAttempt
from casecast.vignettes import kinds


def analysable_participants(*, study: Study) -> list[Participant]:
    """Randomised participants whose data may be analysed, ascending id: everyone with an
    arm except those who withdrew and did not agree to keep the data given so far."""
    return list(
        Participant.objects.filter(study=study, arm__isnull=False)
        .filter(Q(withdrawn_at__isnull=True) | Q(keep_data=True))
        .select_related("council", "arm")
        .order_by("pk")
    )


def per_protocol_participant_ids(*, study: Study) -> set[int]:
    """Participants who received their arm's intervention as planned: they completed their
    arm's training module (if it has one) and opened its feedback at least once (if it
    gives feedback). A control arm, with neither, is per-protocol as randomised.

    This one function is the per-protocol set for the report, its JSON and its tests.
    """
    participants = Participant.objects.filter(study=study, arm__isnull=False).values_list(
        "pk", "arm__training_module", "arm__feedback_policies"
    )
    completed = set(
        TrainingAttempt.objects.filter(
            participant__study=study, completed_at__isnull=False
        ).values_list("participant_id", "key")
    )
    saw_feedback = feedback_seen_participant_ids(study=study)
    return {
        pk
        for pk, module, policies in participants
        if (not module or (pk, module) in completed) and (not policies or pk in saw_feedback)
    }


def phase_roles(*, study: Study) -> tuple[list[int], int | None, list[Phase]]:
    """(baseline phase ids, the primary phase id, the later phases): phases before the
    first phase randomised before, that phase, and those after it."""
    phases = list(study.phases.order_by("position"))
    primary = next((p for p in phases if p.randomise_before), None)
    if primary is None:
        return [], None, []
    before = [p.pk for p in phases if p.position < primary.position]
    later = [p for p in phases if p.position > primary.position]
    return before, primary.pk, later


def _chosen_scores(
    *, study: Study, participant_ids: Iterable[int], first: bool
) -> list[tuple[Any, ...]]:
    """One scored yes/no forecast per participant, phase and question: the last submitted
    (or the first, `first`), leaving out test-retest repeats and annulled questions.
    Rows: (participant, phase, vignette, question key, brier, log, probability, outcome)."""
    rows = (
        ForecastScore.objects.filter(
            study=study,
            participant_id__in=list(participant_ids),
            kind__in=kinds.values_scored_by(kinds.Scoring.EVENT),
            is_retest=False,
            brier__isnull=False,
            question__annulled=False,
        )
        .order_by("forecast__submitted_at", "forecast_id")
        .values_list(
            "participant_id",
            "forecast__assignment__phase_id",
            "question__version__vignette_id",
            "question__key",
            "brier",
            "log_score",
            "probability",
            "outcome_binary",
        )
    )
    chosen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in rows.iterator(chunk_size=5000):
        slot = row[:4]
        if first:
            chosen.setdefault(slot, row)
        else:
            chosen[slot] = row
    return [chosen[slot] for slot in sorted(chosen)]


def report_inputs(*, study: Study, plan: dict[str, Any]) -> ReportInputs:
    """Every array the report is computed from (see the module docstring)."""
    version = design_current(study=study)
    participants = analysable_participants(study=study)
    index = {p.pk: i for i, p in enumerate(participants)}
    n = len(participants)
    before, primary, later = phase_roles(study=study)
    scores = _chosen_scores(
        study=study, participant_ids=index, first=plan["primary_forecast"] == "first"
    )
    primary_rows = [row for row in scores if row[1] == primary]
    slots = sorted({(row[2], row[3]) for row in primary_rows})
    column = {slot: j for j, slot in enumerate(slots)}
    brier = np.full((n, len(slots)), np.nan)
    log, prob = brier.copy(), brier.copy()
    outcome = np.zeros(len(slots))
    for participant, _, vignette, key, b, lg, p, y in primary_rows:
        i, j = index[participant], column[(vignette, key)]
        brier[i, j], log[i, j], prob[i, j] = b, lg, p
        outcome[j] = 1.0 if y else 0.0
    arms = sorted(study.arms.all(), key=lambda arm: (not arm.is_control, arm.position, arm.pk))
    return ReportInputs(
        participant=np.array([p.pk for p in participants], dtype=np.intp),
        arm=np.array([p.arm_id for p in participants], dtype=np.intp),
        arms=tuple(arm.pk for arm in arms),
        council=np.array([p.council_id or -1 for p in participants], dtype=np.intp),
        cluster_randomised=version.unit == DesignVersion.Unit.COUNCIL,
        brier=brier,
        log=log,
        prob=prob,
        question_outcome=outcome,
        baseline_brier=_phase_means(scores, set(before), index, n),
        factors=_factors(participants, version),
        baseline=_baseline(study, participants),
        per_protocol=np.array(_per_protocol_mask(study, participants), dtype=np.bool_),
        waves={p.name: _phase_means(scores, {p.pk}, index, n) for p in later},
    )


def _per_protocol_mask(study: Study, participants: list[Participant]) -> list[bool]:
    ids = per_protocol_participant_ids(study=study)
    return [p.pk in ids for p in participants]


def _phase_means(
    scores: list[tuple[Any, ...]], phases: set[int], index: dict[int, int], n: int
) -> np.ndarray:
    total, count = np.zeros(n), np.zeros(n)
    for participant, phase, _, _, b, *_ in scores:
        if phase in phases:
            total[index[participant]] += b
            count[index[participant]] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _factors(participants: list[Participant], version: DesignVersion) -> dict[str, tuple[str, ...]]:
    levels = [participant_levels(participant=p, version=version) for p in participants]
    return {factor: tuple(row[factor] for row in levels) for factor in (version.strata or [])}


def _baseline(study: Study, participants: list[Participant]) -> tuple[Baseline, ...]:
    questions = study.baseline_questions.filter(
        kind__in=[BaselineQuestion.Kind.CHOICE, BaselineQuestion.Kind.NUMBER]
    )
    return tuple(
        Baseline(
            key=q.key,
            label=q.label,
            kind=q.kind,
            levels=tuple(str(c) for c in q.choices),
            values=tuple(_answer(p, q) for p in participants),
        )
        for q in questions
    )


def _answer(participant: Participant, question: BaselineQuestion) -> Any:
    """The participant's answer: text for a choice ("" if none), a number or None."""
    value = (participant.baseline or {}).get(question.key)
    if question.kind == BaselineQuestion.Kind.CHOICE:
        return str(value) if value not in (None, "") else ""
    return value if value not in (None, "") else None


def report_cached(*, study: Study, input_hash: str) -> TrialReport | None:
    return TrialReport.objects.filter(study=study, input_hash=input_hash).first()


def report_latest(*, study: Study) -> TrialReport | None:
    return TrialReport.objects.filter(study=study).first()


def report_latest_done(*, study: Study) -> TrialReport | None:
    """The newest finished report (shown, marked out of date, while a new one runs)."""
    return TrialReport.objects.filter(study=study, status=TrialReport.Status.DONE).first()


def report_status(*, report: TrialReport | None) -> dict[str, Any]:
    """What the progress bar and its JSON endpoint show."""
    if report is None:
        return {"status": "none", "percent": 0, "text": "No report yet.", "active": False}
    text = {
        TrialReport.Status.QUEUED: "Waiting to start.",
        TrialReport.Status.RUNNING: f"{report.step or 'Analysing'} ({report.percent}%).",
        TrialReport.Status.DONE: "Finished.",
        TrialReport.Status.FAILED: f"The analysis could not run: {report.error}",
    }[TrialReport.Status(report.status)]
    return {
        "id": report.pk,
        "status": report.status,
        "percent": 100 if report.status == TrialReport.Status.DONE else report.percent,
        "text": text,
        "active": report.is_active,
    }
