"""Demo scores: simulated participants with scored forecasts in the demo study.

Also adds one case whose outcome is not known yet (`AWAITING_OUTCOME_PATH`), kept
out of every phase, so the demo researcher can record an outcome.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone

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
from casecast.vignettes.models import PhaseVignette, Stage

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


def _forecasts(study: Study, people: list[Participant]) -> None:
    rng = np.random.default_rng(DEMO_SEED)
    k, bias = forecasters_draw(rng, len(people), 0.5)
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
    for i, person in enumerate(people):
        for position, item in enumerate(items):
            version = item.vignette.current_version()
            assignment = Assignment.objects.create(
                participant=person,
                phase=item.phase,
                vignette_version=version,
                position=position,
                is_retest=item.is_retest,
            )
            questions = [q for q in version.questions.all() if q.kind == kinds.BINARY.value]
            if not questions:
                continue
            answered.append(assignment)
            risk = np.array(
                [
                    q.base_rate if q.base_rate is not None else (0.7 if q.outcome_binary else 0.3)
                    for q in questions
                ]
            )
            p = control_forecast(rng, risk, np.full(risk.shape, k[i]), np.full(risk.shape, bias[i]))
            treated = item.phase.randomise_before and person.arm and not person.arm.is_control
            percent = mixed(p, risk, 0.3 if treated else 0.0)
            forecasts += [
                Forecast(
                    participant=person, question=q, assignment=assignment, probability_pct=int(pct)
                )
                for q, pct in zip(questions, percent, strict=True)
            ]
    started = timezone.now()
    Forecast.objects.bulk_create(forecasts)
    _complete(answered, started=started, finished=timezone.now())


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
