"""Demo participants who see feedback: one in each arm of the demo study that has any.

Called by `seed_demo` after the study, bank and progress are seeded. Idempotent:
an existing demo participant is left as they are (their scores are refreshed,
which is itself idempotent). Their answers go through the real journey
services (phase start, stage submit) and are scored by the real pipeline.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from casecast.accounts.models import User
from casecast.forecasts import answers as answer_rules
from casecast.forecasts import selectors as journey
from casecast.forecasts import services as journey_services
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution.scoring_pipeline import score_submission
from casecast.resolution.summaries import pending_refresh
from casecast.studies import services as study_services
from casecast.studies.models import (
    Allocation,
    Arm,
    EnrolmentRoute,
    Participant,
    Phase,
    RandomisationState,
    Study,
)
from casecast.studies.selectors import design_current
from casecast.training import selectors as training
from casecast.training import services as training_services
from casecast.training.content import CONFIDENCE
from casecast.vignettes.kinds import AnswerShape
from casecast.vignettes.models import Question

BASELINE_ANSWERS = {
    "role": "Social worker",
    "years_qualified": "2 to 5 years",
    "team_type": "Child in need or child protection",
}
# (label, email, arm key) — arms of the demo study (casecast/studies/demo.py).
DEMO_FEEDBACK_PARTICIPANTS = [
    ("Outcome feedback arm", "demo-outcome-feedback@example.org", "feedback"),
    ("Calibration training arm", "demo-calibration-training@example.org", "calibration"),
]

ProbabilityFor = Callable[[Question], int]


def _answer_fields(question: Question, probability_for: ProbabilityFor) -> dict[str, str]:
    spec = journey_services.question_spec(question)
    names = answer_rules.field_names(spec)
    shape = answer_rules.answer_shape(spec)
    if shape == AnswerShape.PROBABILITY:
        return {spec.prefix: str(probability_for(question))}
    if shape == AnswerShape.DISTRIBUTION:
        share, rest = divmod(100, len(names))
        return {name: str(share + (1 if i < rest else 0)) for i, name in enumerate(names)}
    if shape == AnswerShape.QUANTITY:
        values = ["2", "20"] if len(names) == 2 else ["2", "8", "20"]
        return dict(zip(names, values, strict=True))
    if shape == AnswerShape.CHOICE:
        return {names[0]: "1", names[1]: "3"}
    return {spec.prefix: "Based on the history and what the family says."}


def case_answer(*, assignment: Assignment, probability_for: ProbabilityFor) -> list[Forecast]:
    """Answer every part of a case through the journey's services; returns the forecasts."""
    written: list[Forecast] = []
    progress = journey.case_progress(assignment=assignment)
    while progress.current_stage is not None:
        stage = progress.current_stage
        journey_services.stage_view_record(assignment=assignment, stage=stage)
        answers: dict[str, str] = {}
        for question in journey.stage_questions(stage=stage):
            answers.update(_answer_fields(question, probability_for))
        result = journey_services.stage_submit(
            assignment=assignment,
            stage=stage,
            answers=answers,
            idempotency_key=uuid.uuid4(),
        )
        if not result.ok:
            raise RuntimeError(f"demo answers rejected: {result.errors}")
        written += result.forecasts
        progress = journey.case_progress(assignment=assignment)
    return written


def phase_answer(
    *, participant: Participant, phase: Phase, probability_for: ProbabilityFor
) -> list[Forecast]:
    """Start a phase and answer all its cases; scores whatever has an outcome."""
    forecasts: list[Forecast] = []
    for assignment in journey_services.phase_start(participant=participant, phase=phase):
        if assignment.completed_at is None:
            forecasts += case_answer(assignment=assignment, probability_for=probability_for)
    if forecasts:
        score_now(forecast_ids=[f.pk for f in forecasts])
    return forecasts


def score_now(*, forecast_ids: list[int]) -> None:
    """Score and refresh the summaries at once. A submission within 2 s of the last refresh
    puts its summaries off for a queued refresh (`summaries.COALESCE_SECONDS`), which the
    demo does not queue: without this, whether the demo's summaries include these
    participants would depend on how fast the machine seeds."""
    result = score_submission(forecast_ids=forecast_ids)
    for study_id in result.refresh_deferred:
        pending_refresh(study_id=study_id)


def arm_assign(*, participant: Participant, arm: Arm) -> None:
    """Demo only: put a participant in a chosen arm, still writing its one allocation row."""
    with transaction.atomic():
        state = RandomisationState.objects.select_for_update().get(study=participant.study)
        Allocation.objects.create(
            study=participant.study,
            sequence=state.next_sequence,
            design_version=design_current(study=participant.study),
            participant=participant,
            arm=arm,
            stratum="demo",
            inputs={"demo": True},
        )
        state.next_sequence += 1
        state.save(update_fields=["next_sequence"])
        Participant.objects.filter(pk=participant.pk).update(
            arm=arm, randomised_at=timezone.now(), status=Participant.Status.RANDOMISED
        )
    participant.refresh_from_db()


def _demo_probability(seed: str) -> ProbabilityFor:
    """A fairly good, somewhat over-confident forecaster: higher when it happened."""

    def probability(question: Question) -> int:
        rng = random.Random(f"{seed}:{question.version.vignette.key}:{question.key}")
        centre = 68 if question.outcome_binary else 38
        return max(5, min(95, centre + rng.randint(-25, 25)))

    return probability


def _training_complete(participant: Participant) -> None:
    attempt = training_services.training_start(participant=participant)
    rng = random.Random(f"training:{participant.pk}")
    for view in training.attempt_progress(attempt=attempt).steps:
        step = view.step
        choice: int | None
        confidence: int | None
        if step.type == CONFIDENCE:
            right = rng.random() < 0.75
            choice, confidence = (
                (step.correct if right else 1 - step.correct),
                rng.choice([60, 70, 80, 90, 90, 100]),
            )
        else:
            choice = step.check.correct if step.check else None
            confidence = None
        training_services.training_step_record(
            attempt=attempt, step_key=step.key, choice=choice, confidence=confidence
        )


def _build(study: Study, email: str, arm: Arm) -> Participant:
    council = study.councils.order_by("name").first()
    participant = study_services.participant_enrol(
        study=study,
        council=council,
        email=email,
        route=EnrolmentRoute.INVITATION,
        send_link=False,
        eligibility_answers={q.pk: q.eligible_answer for q in study.eligibility_questions.all()},
    ).participant
    study_services.participant_consent(
        participant=participant,
        consent_version=study.consent_versions.current(),  # type: ignore[arg-type]
    )
    participant = study_services.participant_baseline_submit(
        participant=participant, answers=BASELINE_ANSWERS
    )
    probability = _demo_probability(email)
    phases = list(study.phases.order_by("position"))
    for phase in phases:
        if phase.opens_at is not None and phase.opens_at > timezone.now():
            break
        if phase.randomise_before and participant.arm_id is None:
            arm_assign(participant=participant, arm=arm)
        if participant.arm_id is not None and arm.training_module:
            _training_complete(participant)
        phase_answer(participant=participant, phase=phase, probability_for=probability)
    return participant


def seed_demo_feedback_participants(*, study: Study) -> list[tuple[str, User]]:
    """(label, user) for one demo participant in each feedback arm that the study has."""
    people: list[tuple[str, User]] = []
    for label, email, arm_key in DEMO_FEEDBACK_PARTICIPANTS:
        arm = study.arms.filter(key=arm_key).first()
        if arm is None or not arm.feedback_policies:
            continue
        participant = Participant.objects.filter(study=study, user__email=email).first()
        if participant is None:
            with transaction.atomic():
                participant = _build(study, email, arm)
        else:
            ids = list(
                Forecast.objects.filter(participant=participant).values_list("pk", flat=True)
            )
            if ids:
                score_now(forecast_ids=ids)
        assert participant.user is not None
        people.append((label, participant.user))
    return people
