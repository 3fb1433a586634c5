"""Demo scores: simulated participants with scored forecasts in the demo study.

Also adds one case whose outcome is not known yet (`AWAITING_OUTCOME_PATH`), kept
out of every phase, so the demo researcher can record an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from scipy.special import expit, logit

from casecast.forecasts.models import Assignment, Forecast, StageVisit
from casecast.resolution import scoring_pipeline, summaries
from casecast.resolution.models import SummaryPending
from casecast.resolution.simulation import (
    BASELINE_ANSWERS,
    control_forecast,
    forecasters_draw,
    mixed,
)
from casecast.studies import services as study_services
from casecast.studies.models import BaselineQuestion, EnrolmentRoute, Participant, Study
from casecast.vignettes import kinds
from casecast.vignettes.bank import bank_import
from casecast.vignettes.models import PhaseVignette, Question, Stage

DEMO_PARTICIPANTS = 40
DEMO_SEED = 40
DEMO_MARKER = "demo_simulated"
AWAITING_OUTCOME_PATH = Path(__file__).resolve().parent / "demo_content" / "awaiting_outcome.yaml"
# (vignette key, question key) of the demo question left without an outcome.
AWAITING_OUTCOME = ("return-home-interview", "missing-again-3m")


class DemoError(RuntimeError):
    pass


def seed_awaiting_outcome(*, study: Study) -> None:
    """Add the demo case whose outcome is still to be recorded (idempotent: importing the
    same file again changes nothing, and an outcome recorded since is left alone)."""
    report = bank_import(
        study=study,
        text=AWAITING_OUTCOME_PATH.read_text(encoding="utf-8"),
        filename=AWAITING_OUTCOME_PATH.name,
    )
    if not report.ok:
        raise DemoError("; ".join(str(problem) for problem in report.problems))


def _baseline_answers(study: Study, i: int) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in study.baseline_questions.all():
        if question.kind == BaselineQuestion.Kind.CHOICE and question.choices:
            answers[question.key] = question.choices[i % len(question.choices)]
        elif question.kind == BaselineQuestion.Kind.NUMBER:
            answers[question.key] = 1 + i % 10
        else:
            answers[question.key] = BASELINE_ANSWERS.get(question.key, "Simulated")
    return answers


def _enrol(study: Study, n: int) -> list[Participant]:
    councils = list(study.councils.order_by("pk"))
    consent = study.consent_versions.last()
    eligible = {q.pk: q.eligible_answer for q in study.eligibility_questions.all()}
    people = []
    for i in range(n):
        result = study_services.participant_enrol(
            study=study,
            council=councils[i % len(councils)] if councils else None,
            email=None,
            route=EnrolmentRoute.COUNCIL_CODE if councils else EnrolmentRoute.STUDY_CODE,
            eligibility_answers=eligible,
        )
        participant = study_services.participant_consent(
            participant=result.participant,
            consent_version=consent,  # type: ignore[arg-type]
        )
        participant = study_services.participant_baseline_submit(
            participant=participant, answers=_baseline_answers(study, i)
        )
        Participant.objects.filter(pk=participant.pk).update(
            baseline={**participant.baseline, DEMO_MARKER: True}
        )
        study_services.participant_randomise(participant=participant)
        people.append(Participant.objects.select_related("arm").get(pk=participant.pk))
    return people


# How simulated participants answer beyond their first forecast on a case (issue 12): the
# judgement-insight pages need updates, decisions linked to forecasts, and a repeat.
UPDATE_TOWARD = 0.7  # share of updates that move toward what happened
UPDATE_STILL = 0.15  # share of later-stage forecasts left where they were
UPDATE_STEP_PP = (5, 25)  # size of a move, percentage points
RETEST_SD_PP = 8.0  # how far a repeat forecast wanders from the first one
THRESHOLD_LOGIT = (-0.4, 0.6)  # each person's action threshold on log-odds: mean, sd
THRESHOLD_SLOPE = 3.0  # how sharply acting follows the forecast around the threshold
LOWER_OPTION, HIGHER_OPTION = 1, 3  # "Early help" / "Child protection plan" by default


@dataclass
class _Person:
    """One simulated participant's traits and their first answers on each case."""

    participant: Participant
    k: float
    bias: float
    threshold_logit: float
    first: dict[tuple[int, str], int] = field(default_factory=dict)  # (vignette, key) -> %


def _forecasts(study: Study, people: list[Participant]) -> None:
    rng = np.random.default_rng(DEMO_SEED)
    k, bias = forecasters_draw(rng, len(people), 0.5)
    thresholds = rng.normal(*THRESHOLD_LOGIT, len(people))
    # Only phases that are open: nobody can have done the second wave before it opens
    # (CONSORT would otherwise count simulated people completing it).
    items = list(
        PhaseVignette.objects.filter(phase__study=study, arm__isnull=True)
        .exclude(phase__opens_at__gt=timezone.now())
        .select_related("phase", "vignette")
        .order_by("phase__position", "position")
    )
    forecasts = []
    answered: list[Assignment] = []
    for i, participant in enumerate(people):
        person = _Person(participant, float(k[i]), float(bias[i]), float(thresholds[i]))
        for position, item in enumerate(items):
            version = item.vignette.current_version()
            assignment = Assignment.objects.create(
                participant=participant,
                phase=item.phase,
                vignette_version=version,
                position=position,
                is_retest=item.is_retest,
            )
            questions = list(version.questions.order_by("stage__position", "position", "pk"))
            treated = bool(
                item.phase.randomise_before and participant.arm and not participant.arm.is_control
            )
            answers = _case_answers(rng, person, item, questions, treated)
            if not answers:
                continue
            answered.append(assignment)
            forecasts += [
                Forecast(participant=participant, question=q, assignment=assignment, **values)
                for q, values in answers
            ]
    started = timezone.now()
    Forecast.objects.bulk_create(forecasts)
    _complete(answered, started=started, finished=timezone.now())


def _case_answers(
    rng: np.random.Generator,
    person: _Person,
    item: PhaseVignette,
    questions: list[Question],
    treated: bool,
) -> list[tuple[Question, dict[str, int]]]:
    """A simulated person's answers to one case, stage by stage: a yes/no forecast, an update
    of an earlier stage's forecast (`earlier`), and a decision on the forecast it relates to.
    A repeat of a case (test-retest) gives the first answers again, a little moved."""
    pct: dict[int, int] = {}  # question id -> this case's forecast, %
    answers: list[tuple[Question, dict[str, int]]] = []
    vignette = item.vignette_id
    for q in questions:
        if q.kind == kinds.BINARY.value:
            if item.is_retest and (vignette, q.key) in person.first:
                value = _retest(rng, person.first[(vignette, q.key)])
            elif q.earlier_id is not None and q.earlier_id in pct:
                value = _update(rng, pct[q.earlier_id], bool(q.outcome_binary))
            else:
                value = _first(rng, person, q, treated)
            pct[q.pk] = value
            if not item.is_retest:
                person.first[(vignette, q.key)] = value
            answers.append((q, {"probability_pct": value}))
        elif q.kind == kinds.DECISION.value and (linked := pct.get(q.relates_to_id or 0)):
            answers.append((q, _decision(rng, person, q, linked)))
    return answers


def _first(rng: np.random.Generator, person: _Person, q: Question, treated: bool) -> int:
    risk = np.array(
        [q.base_rate if q.base_rate is not None else (0.7 if q.outcome_binary else 0.3)]
    )
    p = control_forecast(rng, risk, np.full(1, person.k), np.full(1, person.bias))
    return int(mixed(p, risk, 0.3 if treated else 0.0)[0])


def _update(rng: np.random.Generator, before: int, happened: bool) -> int:
    """A later stage's forecast: mostly a move toward what happened, sometimes away."""
    if rng.random() < UPDATE_STILL:
        return before
    step = int(rng.integers(UPDATE_STEP_PP[0], UPDATE_STEP_PP[1] + 1))
    toward = 1 if happened else -1
    direction = toward if rng.random() < UPDATE_TOWARD else -toward
    return int(np.clip(before + direction * step, 1, 99))


def _retest(rng: np.random.Generator, first: int) -> int:
    return int(np.clip(round(first + rng.normal(0.0, RETEST_SD_PP)), 1, 99))


def _decision(rng: np.random.Generator, person: _Person, q: Question, pct: int) -> dict[str, int]:
    """Act (the higher option) more often the further the forecast is above the person's
    own threshold, so each person's threshold can be read back from their decisions."""
    options = len(q.options) or len(kinds.DEFAULT_DECISIONS)
    distance = float(logit(pct / 100.0)) - person.threshold_logit
    act = rng.random() < float(expit(THRESHOLD_SLOPE * distance))
    decision = min(HIGHER_OPTION if act else LOWER_OPTION, options - 1)
    confidence = int(np.clip(round(2 + abs(distance)), 1, 5))
    return {"decision": decision, "decision_confidence": confidence}


def _complete(assignments: list[Assignment], *, started: datetime, finished: datetime) -> None:
    """Mark the simulated cases done, as the journey would: every stage submitted and the
    case complete (CONSORT's "completed phase" and the phase timing rule read these).

    Simulated people answer in bulk, at once: every stage is shown at `started` and
    submitted at `finished` (around their forecasts' time), so their time spent is about
    zero seconds.
    """
    if not assignments:
        return
    stages = _stage_ids([a.vignette_version_id for a in assignments])
    ids = [a.pk for a in assignments]
    StageVisit.objects.bulk_create(
        StageVisit(assignment=assignment, stage_id=stage_id, submitted_at=finished)
        for assignment in assignments
        for stage_id in stages.get(assignment.vignette_version_id, [])
    )
    # first_viewed_at is set on creation; put it back to when the answers began.
    StageVisit.objects.filter(assignment_id__in=ids).update(first_viewed_at=started)
    Assignment.objects.filter(pk__in=ids).update(started_at=started, completed_at=finished)


def _stage_ids(version_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for version_id, stage_id in (
        Stage.objects.filter(version_id__in=set(version_ids))
        .order_by("version_id", "position")
        .values_list("version_id", "pk")
    ):
        found.setdefault(version_id, []).append(stage_id)
    return found


@transaction.atomic
def seed_demo_scores(*, study: Study) -> None:
    """Add simulated participants with scored forecasts to the demo study, once, and the
    case still awaiting its outcome."""
    seed_awaiting_outcome(study=study)
    if Participant.objects.filter(study=study, baseline__has_key=DEMO_MARKER).exists():
        return
    if study.status not in (Study.Status.RECRUITING, Study.Status.RUNNING):
        return  # enrolment and randomisation need an open study
    allow_no_email = study.allow_no_email
    # Simulated people have no email address; restore the setting afterwards.
    Study.objects.filter(pk=study.pk).update(allow_no_email=True)
    study.allow_no_email = True
    people = _enrol(study, DEMO_PARTICIPANTS)
    Study.objects.filter(pk=study.pk).update(allow_no_email=allow_no_email)
    _forecasts(study, people)
    scoring_pipeline.rescore_study(study_id=study.pk)


def settle_demo_summaries() -> None:
    """Refresh every summary still waiting for its coalesced refresh, now.

    Submissions made while seeding (the feedback demo's participants) defer their
    refresh when a refresh ran under `summaries.COALESCE_SECONDS` earlier, so without
    this the seeded summaries would depend on how fast the machine seeded.
    """
    for study_id in sorted(set(SummaryPending.objects.values_list("study_id", flat=True))):
        summaries.pending_refresh(study_id=study_id)
