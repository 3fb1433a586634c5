"""The journey under hostile input: control characters and borrowed idempotency keys.

No server error, nothing half-stored, and a message a participant can act on.
"""

import uuid

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Draft, Forecast
from django.urls import reverse

from tests.fixtures_studies import create_participant

from .conftest import answers_for, stages_of, start_case

pytestmark = pytest.mark.django_db

NUL = "\x00"


def _rationale_field(stage):
    question = stage.questions.get(kind="rationale")
    return f"q{question.pk}"


def test_autosave_with_a_nul_is_refused_in_json_and_stores_nothing(
    participant_client, case_assignment
):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    response = participant_client.post(
        reverse("forecasts:draft", args=[case_assignment.pk, 1]),
        {f"q{binary.pk}": "4" + NUL},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "control_character"
    assert not Draft.objects.exists()


@pytest.mark.parametrize("action", ["submit", "save"])
def test_a_stage_post_with_a_control_character_explains_and_stores_nothing(
    participant_client, case_assignment, action
):
    stage = next(s for s in stages_of(case_assignment) if s.questions.filter(kind="rationale"))
    data = answers_for(stage.questions.all())
    data[_rationale_field(stage)] = "Because" + NUL + " of the school's report"
    data["idempotency_key"] = str(uuid.uuid4())
    data["action"] = action
    response = participant_client.post(
        reverse("forecasts:stage", args=[case_assignment.pk, stage.position]), data
    )
    assert response.status_code == 400
    assert b"hidden control character" in response.content
    assert not Forecast.objects.exists() and not Draft.objects.exists()


def test_tabs_and_line_breaks_are_ordinary_text(case_assignment):
    stage = next(s for s in stages_of(case_assignment) if s.questions.filter(kind="rationale"))
    result = services.draft_save(
        assignment=case_assignment,
        stage=stage,
        answers={_rationale_field(stage): "Line one\r\n\tline two"},
    )
    assert result.answers[_rationale_field(stage)] == "Line one\r\n\tline two"


def test_another_participants_key_on_the_same_part_is_just_a_new_submission(
    journey_study, case_assignment
):
    first = stages_of(case_assignment)[0]
    key = uuid.uuid4()
    services.stage_submit(
        assignment=case_assignment,
        stage=first,
        answers=answers_for(first.questions.all()),
        idempotency_key=key,
    )
    other = create_participant(study=journey_study, email="other@council.example")
    other_assignment = start_case(other, journey_study)
    result = services.stage_submit(
        assignment=other_assignment,
        stage=first,
        answers=answers_for(first.questions.all()),
        idempotency_key=key,
    )
    assert not result.replayed
    assert Forecast.objects.filter(participant=other).count() == first.questions.count()
    assert Forecast.objects.filter(participant=case_assignment.participant).count() == (
        first.questions.count()
    )


def test_reusing_a_key_on_the_next_part_stores_that_part(case_assignment):
    first, second = stages_of(case_assignment)[:2]
    key = uuid.uuid4()
    for stage in (first, second):
        result = services.stage_submit(
            assignment=case_assignment,
            stage=stage,
            answers=answers_for(stage.questions.all()),
            idempotency_key=key,
        )
        assert not result.replayed
    stored = Forecast.objects.filter(assignment=case_assignment, question__stage=second)
    assert stored.count() == second.questions.count()


def test_the_same_key_on_the_same_part_still_replays(case_assignment):
    first = stages_of(case_assignment)[0]
    key = uuid.uuid4()
    answers = answers_for(first.questions.all())
    services.stage_submit(
        assignment=case_assignment, stage=first, answers=answers, idempotency_key=key
    )
    again = services.stage_submit(
        assignment=case_assignment, stage=first, answers=answers, idempotency_key=key
    )
    assert again.replayed
    assert Forecast.objects.count() == first.questions.count()
