"""Builders shared by the feedback, training and notification tests.

- `build_feedback_study(by=..., timing=...)`: a recruiting study with arms
  control (no feedback), outcome, calibration, peer and profile (one policy each), a
  vignette of 12 resolved yes/no questions ("twelve-a") in phase 1 and a second
  ("twelve-b") in phase 2, and the study's outcome timing set to `timing`.
- `answer_phase(participant, position)`: start a phase and answer every case
  through the journey's services, then score (the real pipeline).
"""

from __future__ import annotations

from typing import Any

from casecast.feedback.demo import phase_answer
from casecast.studies import services
from casecast.studies.models import Participant, Study
from casecast.vignettes.models import Question
from casecast.vignettes.services import phase_vignettes_set

from tests.fixtures_studies import build_study
from tests.fixtures_vignettes import import_bank

POLICIES = ("none", "outcome", "calibration", "peer", "profile")
TIMINGS = ("immediately", "after_phase", "after_study", "never")
N_QUESTIONS = 12


def _bank(keys: tuple[str, ...]) -> str:
    lines = ["format: casecast-bank/1", "vignettes:"]
    for key in keys:
        lines += [
            f"  - key: {key}",
            f"    title: Case {key}",
            "    summary: A short test case.",
            "    source: fictional",
            "    stages:",
            "      - title: Referral",
            "        body: A referral about a family.",
            "        questions:",
        ]
        for i in range(N_QUESTIONS):
            happened = "true" if i % 3 != 0 else "false"
            lines += [
                f"          - key: event-{i:02d}",
                "            kind: binary",
                f"            text: Will event {i} happen in {key}?",
                f"            outcome: {{value: {happened}}}",
            ]
    return "\n".join(lines) + "\n"


def build_feedback_study(
    *, by: Any, timing: str = "after_phase", title: str = "Feedback study"
) -> Study:
    study = build_study(
        by=by,
        title=title,
        status=Study.Status.DRAFT,
        arms=(
            ("control", "Control", 1),
            ("outcome", "Outcome feedback", 1),
            ("calibration", "Calibration feedback", 1),
            ("peer", "Peer comparison", 1),
            ("profile", "Judgement profile", 1),
        ),
    )
    for arm in study.arms.all():
        policies = [] if arm.key == "control" else [arm.key]
        services.arm_save(study=study, arm=arm, by=by, feedback_policies=policies)
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=by)
    study.refresh_from_db()
    import_bank(study, _bank(("twelve-a", "twelve-b")))
    phases = list(study.phases.order_by("position"))
    phase_vignettes_set(phase=phases[0], vignette_keys=["twelve-a"])
    phase_vignettes_set(phase=phases[1], vignette_keys=["twelve-b"])
    Study.objects.filter(pk=study.pk).update(outcome_release=timing)
    study.refresh_from_db()
    return study


def probability_pct(question: Question) -> int:
    """A decent forecaster: 70% when it happened, 30% when it did not, spread a little."""
    index = int(question.key.rsplit("-", 1)[1])
    return (70 if question.outcome_binary else 30) + (index % 4) * 5 - 5


def answer_phase(participant: Participant, position: int, probability_for: Any = None) -> None:
    phase = participant.study.phases.get(position=position)
    phase_answer(
        participant=participant, phase=phase, probability_for=probability_for or probability_pct
    )
