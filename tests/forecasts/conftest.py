"""Journey fixtures: a study whose first phase gives the staged vignette.

Built on the shared personas (`study`, `participant_ready`, … from
tests/fixtures_studies.py) and `staged_vignette` (tests/fixtures_vignettes.py).
`answers_for(questions)` gives a valid POST for any part; `start_case(...)`
starts phase 1 and returns the participant's first assignment.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Assignment
from casecast.studies.models import Participant, Phase, Study
from casecast.vignettes.models import PhaseVignette, Question, Stage, Vignette
from django.test import Client

from tests.fixtures_vignettes import make_staged_vignette


def valid_fields(question: Question) -> dict[str, str]:
    """A valid answer to any question, as form fields."""
    prefix = f"q{question.pk}"
    kind = question.kind
    if kind == Question.Kind.BINARY:
        return {prefix: "35"}
    if kind in (Question.Kind.MULTIPLE_CHOICE, Question.Kind.ORDERED):
        count = len(question.options)
        shares = [100 // count] * count
        shares[0] += 100 - sum(shares)
        return {f"{prefix}-{i}": str(share) for i, share in enumerate(shares)}
    if kind == Question.Kind.NUMERIC:
        if question.numeric_format == Question.NumericFormat.INTERVAL:
            return {f"{prefix}-lower": "2", f"{prefix}-upper": "9"}
        return {f"{prefix}-p5": "4", f"{prefix}-p50": "10", f"{prefix}-p95": "20"}
    if kind == Question.Kind.DECISION:
        return {f"{prefix}-decision": "1", f"{prefix}-confidence": "4"}
    return {prefix: "The school's concerns have grown over the term."}


def answers_for(questions: list[Question] | Any) -> dict[str, str]:
    data: dict[str, str] = {}
    for question in questions:
        data.update(valid_fields(question))
    return data


def stages_of(assignment: Assignment) -> list[Stage]:
    return list(Stage.objects.filter(version=assignment.vignette_version).order_by("position"))


def submit(assignment: Assignment, stage: Stage, **overrides: str) -> services.StageResult:
    data = answers_for(stage.questions.all())
    data.update(overrides)
    return services.stage_submit(
        assignment=assignment, stage=stage, answers=data, idempotency_key=uuid.uuid4()
    )


def phase(study: Study, position: int) -> Phase:
    return Phase.objects.get(study=study, position=position)


def plan(phase: Phase, *vignettes: Vignette, **fields: Any) -> None:
    start = PhaseVignette.objects.filter(phase=phase).count()
    for offset, vignette in enumerate(vignettes):
        PhaseVignette.objects.create(
            phase=phase, vignette=vignette, position=start + offset, **fields
        )


def start_case(participant: Participant, study: Study) -> Assignment:
    assignments = services.phase_start(participant=participant, phase=phase(study, 1))
    return assignments[0]


@pytest.fixture
def journey_study(study: Study, staged_vignette: Vignette) -> Study:
    """`study` with the staged vignette (three parts, every question kind) in phase 1."""
    plan(phase(study, 1), staged_vignette)
    return study


@pytest.fixture
def case_assignment(journey_study: Study, participant_ready: Participant) -> Assignment:
    return start_case(participant_ready, journey_study)


@pytest.fixture
def participant_client(participant_ready: Participant) -> Client:
    client = Client()
    client.force_login(participant_ready.user)
    return client


@pytest.fixture
def more_vignettes(study: Study) -> list[Vignette]:
    return [make_staged_vignette(study=study, key=f"case-{n}") for n in range(1, 4)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The shared personas have passwords; hashing them properly is slow and not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
