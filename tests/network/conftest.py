"""Two studies that offer linking, with the same people in both and known Brier scores.

Seven of eight people agree to be linked in both studies; `p7` never agrees. Each
study has six yes/no questions, answered in the phase after randomisation; the
probabilities are chosen so the people differ in skill (p0 best, p6 worst), and the
test's own table of (p − y)² is the expected Brier score of every forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.studies import services
from casecast.studies.models import Participant, Study

from tests.fixtures_studies import build_study, create_participant
from tests.resolution.conftest import question_of, vignette_build
from tests.resolution.test_pipeline import resolve_quietly

PEOPLE = [f"p{i}@example.org" for i in range(8)]
LINKED = PEOPLE[:7]
OUTCOMES = [True, False, True, True, False, False]
# How far each person's forecast sits from the outcome, in percentage points (p0 best).
MISS = {0: 10, 1: 15, 2: 25, 3: 35, 4: 45, 5: 55, 6: 70, 7: 20}


@dataclass
class LinkedStudies:
    studies: list[Study]
    participants: dict[tuple[int, str], Participant]  # (study index, email)
    expected: list[tuple[str, int, int, float]]  # (email, study index, question id, Brier)


def _forecast_pct(person: int, outcome: bool, question: int) -> int:
    # Wobble by question so nobody's scores are constant.
    miss = MISS[person] + (question % 3) * 3
    return max(1, min(99, (100 - miss) if outcome else miss))


def _study(by, title: str, index: int, data: LinkedStudies) -> None:
    study = build_study(by=by, title=title)
    services.study_update(study=study, by=by, offers_network_linking=True)
    study.refresh_from_db()
    after = study.phases.order_by("position").last()
    questions = [question_of(vignette_build(study, f"v{n}"), "rereferral") for n in range(6)]
    for person, email in enumerate(PEOPLE):
        participant = create_participant(study=study, email=email, arm="control")
        if email in LINKED:
            services.participant_linking_set(participant=participant, link=True)
        data.participants[(index, email)] = participant
        for n, question in enumerate(questions):
            assignment, _ = Assignment.objects.get_or_create(
                participant=participant,
                phase=after,
                vignette_version=question.version,
                defaults={"position": n},
            )
            pct = _forecast_pct(person, OUTCOMES[n], n)
            Forecast.objects.create(
                participant=participant,
                question=question,
                assignment=assignment,
                probability_pct=pct,
            )
            data.expected.append((email, index, question.pk, (pct / 100 - float(OUTCOMES[n])) ** 2))
    ids: list[int] = []
    for n, question in enumerate(questions):
        ids += resolve_quietly(question, Outcome(binary=OUTCOMES[n]))
    score_questions(question_ids=[q.pk for q in questions])
    data.studies.append(study)


@pytest.fixture
def linked(researcher) -> LinkedStudies:
    data = LinkedStudies(studies=[], participants={}, expected=[])
    _study(researcher, "Wave one", 0, data)
    _study(researcher, "Wave two", 1, data)
    return data
