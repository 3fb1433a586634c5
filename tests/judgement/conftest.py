"""Judgement-insight personas: a study with hand-built cases and answers.

`cases` builds on the shared `study` persona (two arms, two councils, a baseline phase
and a phase after randomisation): `cases.case(key, ...)` adds a vignette whose first
stage asks a yes/no risk question, optionally restated at a second stage (`earlier`)
and followed by a decision (`relates_to`); `cases.answer(...)` writes a forecast the
way the journey does (one assignment per participant, phase, version and repeat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from casecast.forecasts.models import Assignment, Forecast
from casecast.studies.models import Participant, Phase, Study
from casecast.vignettes import kinds
from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

from tests.fixtures_studies import create_participant


@dataclass
class Case:
    vignette: Vignette
    risk: Question  # stage 1
    later: Question | None  # stage 2, earlier = risk
    decision: Question | None  # relates to the last risk question


@dataclass
class Cases:
    study: Study
    baseline: Phase
    after: Phase
    assignments: dict[tuple[int, int, int, bool], Assignment] = field(default_factory=dict)

    def case(
        self,
        key: str,
        *,
        staged: bool = False,
        options: tuple[str, ...] | None = None,
        outcome: bool | None = None,
        version: int = 1,
    ) -> Case:
        vignette, _ = Vignette.objects.get_or_create(study=self.study, key=key)
        v = VignetteVersion.objects.create(vignette=vignette, number=version, title=f"Case {key}")
        stage1 = Stage.objects.create(version=v, position=1, title="Referral", body="Text")
        risk = Question.objects.create(
            version=v, stage=stage1, key="risk", position=0, kind=kinds.BINARY.value,
            text=f"Re-referral in {key}?", outcome_binary=outcome,
        )  # fmt: skip
        later = None
        last = risk
        stage = stage1
        if staged:
            stage = Stage.objects.create(version=v, position=2, title="Visit", body="More")
            later = Question.objects.create(
                version=v, stage=stage, key="risk-later", position=0, kind=kinds.BINARY.value,
                text=f"Re-referral in {key}, after the visit?", earlier=risk,
                outcome_binary=outcome,
            )  # fmt: skip
            last = later
        decision = None
        if options is not None:
            decision = Question.objects.create(
                version=v, stage=stage, key="decision", position=1, kind=kinds.DECISION.value,
                text="What would you do?", options=list(options), relates_to=last,
            )  # fmt: skip
        return Case(vignette=vignette, risk=risk, later=later, decision=decision)

    def answer(
        self,
        participant: Participant,
        question: Question,
        *,
        pct: int | None = None,
        decision: int | None = None,
        phase: Phase | None = None,
        retest: bool = False,
    ) -> Forecast:
        phase = phase or self.after
        slot = (participant.pk, phase.pk, question.version_id, retest)
        if slot not in self.assignments:
            self.assignments[slot] = Assignment.objects.create(
                participant=participant,
                phase=phase,
                vignette_version=question.version,
                position=len(self.assignments),
                is_retest=retest,
            )
        return Forecast.objects.create(
            participant=participant,
            question=question,
            assignment=self.assignments[slot],
            probability_pct=pct,
            decision=decision,
            decision_confidence=3 if decision is not None else None,
        )


@pytest.fixture
def cases(study) -> Cases:
    phases = list(study.phases.order_by("position"))
    return Cases(study=study, baseline=phases[0], after=phases[-1])


@pytest.fixture
def make_worker(study) -> Any:
    """A randomised participant in arm `arm` ("control" or "feedback") and council `n`."""
    councils = list(study.councils.order_by("name"))
    made = iter(range(10_000))

    def make(arm: str = "control", council: int = 0) -> Participant:
        return create_participant(
            study=study, email=f"w{next(made)}@example.org", arm=arm, council=councils[council]
        )

    return make


@pytest.fixture
def answered(cases, make_worker):
    """Eight workers, four arms × councils, seven staged cases with a decision each."""
    workers = [make_worker("control" if i % 2 else "feedback", i % 2) for i in range(8)]
    for c in range(7):
        case = cases.case(f"case-{c}", staged=True, options=("No", "Yes"), outcome=c % 2 == 0)
        for i, w in enumerate(workers):
            first = 10 + (7 * i + 13 * c) % 80
            cases.answer(w, case.risk, pct=first, phase=cases.baseline if c < 2 else None)
            later = min(first + 10, 99) if c % 2 == 0 else max(first - 10, 1)
            cases.answer(w, case.later, pct=later, phase=cases.baseline if c < 2 else None)
            cases.answer(w, case.decision, decision=int(later >= 20 + 5 * i))
    return workers
