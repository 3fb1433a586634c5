"""Resolution personas: a two-arm study with one vignette of every forecast kind.

`casebook` builds on the shared `study` persona (tests/fixtures_studies.py):
vignette "referral" (two versions, so question keys span versions) with a
binary, a multiple-choice, an ordered and two numeric questions, and the
helpers `answer(...)` to write forecasts the way the journey does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from casecast.forecasts.models import Assignment, Forecast
from casecast.studies.models import Participant, Phase, Study
from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

from tests.fixtures_studies import create_participant

QUESTIONS = [
    ("rereferral", Question.Kind.BINARY, [], ""),
    ("plan", Question.Kind.MULTIPLE_CHOICE, ["None", "Child in need", "Child protection"], ""),
    ("severity", Question.Kind.ORDERED, ["Low", "Medium", "High"], ""),
    ("visits", Question.Kind.NUMERIC, [], Question.NumericFormat.QUANTILES),
    ("days", Question.Kind.NUMERIC, [], Question.NumericFormat.INTERVAL),
]


def vignette_build(study: Study, key: str, *, versions: int = 1) -> Vignette:
    vignette = Vignette.objects.create(study=study, key=key)
    for number in range(1, versions + 1):
        version = VignetteVersion.objects.create(
            vignette=vignette, number=number, title=f"{key} v{number}"
        )
        stage = Stage.objects.create(version=version, position=1, title="Referral", body="Text")
        for position, (qkey, kind, options, numeric_format) in enumerate(QUESTIONS):
            Question.objects.create(
                version=version,
                stage=stage,
                key=qkey,
                position=position,
                kind=kind,
                text=f"{qkey}?",
                options=options,
                numeric_format=numeric_format,
                interval_confidence=80 if numeric_format == "interval" else None,
            )
    return vignette


def question_of(vignette: Vignette, key: str, version: int = 1) -> Question:
    return Question.objects.get(version__vignette=vignette, version__number=version, key=key)


@dataclass
class Casebook:
    study: Study
    vignette: Vignette
    baseline: Phase
    after: Phase
    assignments: dict[tuple[int, int, bool], Assignment] = field(default_factory=dict)

    def q(self, key: str, version: int = 1) -> Question:
        return question_of(self.vignette, key, version)

    def assignment(
        self,
        participant: Participant,
        question: Question,
        *,
        phase: Phase | None = None,
        retest: bool = False,
    ) -> Assignment:
        phase = phase or self.after
        slot = (participant.pk, phase.pk, retest)
        if slot not in self.assignments:
            self.assignments[slot] = Assignment.objects.create(
                participant=participant,
                phase=phase,
                vignette_version=question.version,
                position=1 if retest else 0,
                is_retest=retest,
            )
        return self.assignments[slot]

    def answer(
        self,
        participant: Participant,
        question: Question,
        *,
        phase: Phase | None = None,
        retest: bool = False,
        **values: Any,
    ) -> Forecast:
        assignment = self.assignment(participant, question, phase=phase, retest=retest)
        return Forecast.objects.create(
            participant=participant, question=question, assignment=assignment, **values
        )


@pytest.fixture
def casebook(study) -> Casebook:
    vignette = vignette_build(study, "referral", versions=2)
    phases = list(study.phases.order_by("position"))
    return Casebook(study=study, vignette=vignette, baseline=phases[0], after=phases[-1])


@pytest.fixture
def people(study) -> dict[str, Participant]:
    """Two participants per arm (control, feedback)."""
    return {
        name: create_participant(study=study, email=f"{name}@example.org", arm=arm)
        for name, arm in [
            ("ann", "control"),
            ("ben", "control"),
            ("cat", "feedback"),
            ("dan", "feedback"),
        ]
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # The personas are created with passwords; PBKDF2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
