"""Demo progress: one demo participant part-way through their first case.

Called by `seed_demo` after the study, vignette and participant seeders.
Idempotent, and does nothing when what it needs is not there.
"""

from __future__ import annotations

import uuid

from casecast.forecasts import services
from casecast.forecasts.models import Assignment
from casecast.studies.models import Participant, Phase, Study
from casecast.vignettes import kinds
from casecast.vignettes.kinds import AnswerShape
from casecast.vignettes.models import PhaseVignette, Question, Stage

# The studies seeder's "Participant who has done the baseline questions".
DEMO_PROGRESS_EMAIL = "demo-baseline-1@example.org"
_DEMO_KEYS = uuid.UUID("5b0f6a39-3a8e-4c55-9d53-6f1b0b7c2a10")


def example_answer(question: Question) -> dict[str, str]:
    """A plausible, valid answer to one question, as the form would post it."""
    prefix = f"q{question.pk}"
    shape = kinds.get(question.kind).answer
    if shape == AnswerShape.PROBABILITY:
        return {prefix: "40"}
    if shape == AnswerShape.DISTRIBUTION:
        count = max(len(question.options), 1)
        shares = [100 // count] * count
        shares[0] += 100 - sum(shares)
        return {f"{prefix}-{i}": str(share) for i, share in enumerate(shares)}
    if shape == AnswerShape.QUANTITY:
        if question.numeric_format == Question.NumericFormat.INTERVAL:
            return {f"{prefix}-lower": "2", f"{prefix}-upper": "12"}
        return {f"{prefix}-p5": "2", f"{prefix}-p50": "6", f"{prefix}-p95": "15"}
    if shape == AnswerShape.CHOICE:
        return {f"{prefix}-decision": "1", f"{prefix}-confidence": "3"}
    return {prefix: "The referral history and the home visit both point the same way."}


def example_answers(questions: list[Question]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in questions:
        answers.update(example_answer(question))
    return answers


def _demo_participant(study: Study) -> Participant | None:
    return (
        Participant.objects.filter(
            study=study,
            user__email=DEMO_PROGRESS_EMAIL,
            withdrawn_at__isnull=True,
            baseline_completed_at__isnull=False,
        )
        .select_related("study", "arm")
        .first()
    )


def seed_demo_progress(*, study: Study) -> None:
    """Part 1 of the first case submitted, and a draft on part 2: "1 started"."""
    participant = _demo_participant(study)
    first = Phase.objects.filter(study=study).order_by("position").first()
    if participant is None or first is None:
        return
    if not PhaseVignette.objects.filter(phase=first).exists():
        return
    if Assignment.objects.filter(participant=participant, phase=first).exists():
        return
    try:
        assignments = services.phase_start(participant=participant, phase=first)
    except services.JourneyError:
        return
    if not assignments:
        return
    assignment = assignments[0]
    stages = list(Stage.objects.filter(version=assignment.vignette_version).order_by("position"))
    if len(stages) < 2:
        return
    services.stage_view_record(assignment=assignment, stage=stages[0])
    services.stage_submit(
        assignment=assignment,
        stage=stages[0],
        answers=example_answers(list(stages[0].questions.all())),
        idempotency_key=uuid.uuid5(_DEMO_KEYS, str(assignment.pk)),
    )
    services.stage_view_record(assignment=assignment, stage=stages[1])
    half_done = example_answers(list(stages[1].questions.order_by("position")[:1]))
    services.draft_save(assignment=assignment, stage=stages[1], answers=half_done)
