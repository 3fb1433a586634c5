"""Team-arm fixtures: a recruiting study with a control arm and a team arm of three.

`team_study`: `build_study` (two councils, Northshire and Westbridge) whose second arm,
"team", has team_size 3 and outcome feedback, with the staged vignette in phase 1
(tests/fixtures_vignettes.py: stage 1 asks `rereferral-3m`, stage 3 asks it again as
`rereferral-3m-later`). `team_member(...)` makes a participant in the team arm and
places them as randomisation would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from casecast.forecasts import services as journey
from casecast.forecasts.models import Assignment
from casecast.studies.models import Arm, Participant, Study
from casecast.teams.placement import team_place
from casecast.vignettes.models import Question, Stage
from django.test import Client

from tests.fixtures_studies import build_study, create_participant
from tests.fixtures_vignettes import make_staged_vignette
from tests.forecasts.conftest import answers_for, phase, plan, stages_of, start_case


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_study(db, researcher) -> Study:
    study = build_study(
        by=researcher,
        title="Team study",
        arms=(("control", "Control", 1), ("team", "Team forecasting", 1)),
    )
    Arm.objects.filter(study=study, key="team").update(team_size=3)
    plan(phase(study, 1), make_staged_vignette(study=study))
    return study


@pytest.fixture
def team_member(team_study: Study) -> Callable[..., Participant]:
    def make(email: str, council_name: str | None = None) -> Participant:
        council = (
            team_study.councils.get(name=council_name)
            if council_name
            else team_study.councils.order_by("name").first()
        )
        participant = create_participant(study=team_study, email=email, council=council, arm="team")
        team_place(participant=participant)
        return participant

    return make


def question(study: Study, key: str) -> Question:
    return Question.objects.get(version__vignette__study=study, key=key)


def submit_stage(assignment: Assignment, stage: Stage, **overrides: str) -> journey.StageResult:
    data = answers_for(stage.questions.all())
    data.update(overrides)
    result = journey.stage_submit(
        assignment=assignment, stage=stage, answers=data, idempotency_key=uuid.uuid4()
    )
    assert result.ok, result.errors
    return result


def client_for(participant: Participant) -> Client:
    client = Client()
    client.force_login(participant.user)
    return client


def panel_url(assignment: Assignment, q: Question) -> str:
    return f"/cases/{assignment.pk}/questions/{q.pk}/team/"


def reveal_team(participant: Participant, assignment: Assignment, q: Question) -> Any:
    """Press "Show my team's forecasts", as the member would (a POST)."""
    return client_for(participant).post(panel_url(assignment, q), {"reveal": "1"})


__all__ = [
    "client_for",
    "panel_url",
    "question",
    "reveal_team",
    "stages_of",
    "start_case",
    "submit_stage",
]
