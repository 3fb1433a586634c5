"""Once a study's data are locked (docs/analysis.md) the journey accepts nothing more,
and says so politely: submissions and drafts are refused and nothing is written."""

from __future__ import annotations

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Draft, Forecast
from casecast.studies.models import Study
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .conftest import answers_for, stages_of, submit

pytestmark = pytest.mark.django_db


def _lock(study_id: int) -> None:
    now = timezone.now()
    Study.objects.filter(pk=study_id).update(status=Study.Status.CLOSED, data_locked_at=now)


def test_a_submission_and_a_draft_are_refused_after_data_lock(case_assignment):
    first = stages_of(case_assignment)[0]
    _lock(case_assignment.participant.study_id)
    with pytest.raises(services.DataLocked, match="finished collecting answers"):
        submit(case_assignment, first)
    with pytest.raises(services.DataLocked):
        services.draft_save(assignment=case_assignment, stage=first, answers={})
    assert not Forecast.objects.filter(participant=case_assignment.participant).exists()
    assert not Draft.objects.filter(assignment=case_assignment).exists()


def test_the_stage_page_tells_the_participant_and_saves_nothing(
    case_assignment, participant_client
):
    first = stages_of(case_assignment)[0]
    _lock(case_assignment.participant.study_id)
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    data = {
        **answers_for(first.questions.all()),
        "idempotency_key": "8f9a4c1e-0000-4000-8000-000000000001",
    }
    response = participant_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "finished collecting answers" in response.content.decode()
    assert not Forecast.objects.filter(participant=case_assignment.participant).exists()


def test_the_autosave_is_refused_after_data_lock(case_assignment, participant_client):
    first = stages_of(case_assignment)[0]
    url = reverse("forecasts:draft", args=[case_assignment.pk, 1])
    answers = answers_for(first.questions.all())
    assert participant_client.post(url, answers).json()["saved"] is True
    _lock(case_assignment.participant.study_id)
    response = participant_client.post(url, {**answers, **{k: "1" for k in answers}})
    assert response.status_code == 409
    assert response.json() == {"saved": False, "reason": "locked"}
    draft = Draft.objects.get(assignment=case_assignment, stage=first)
    assert draft.answers == answers  # the first save's, not the refused one's


@pytest.mark.parametrize("action", ["draft", "submit"])
def test_a_journey_write_reads_the_lock_with_the_assignment_not_again(
    case_assignment, participant_client, action
):
    """The page's one read of the assignment carries the study's lock: no second query."""
    first = stages_of(case_assignment)[0]
    page = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    participant_client.get(page)
    url = page + "draft/" if action == "draft" else page
    data = {
        **answers_for(first.questions.all()),
        "idempotency_key": "8f9a4c1e-0000-4000-8000-000000000002",
    }
    with CaptureQueriesContext(connection) as captured:
        response = participant_client.post(url, data)
    assert response.status_code in (200, 302)
    study_reads = [
        q["sql"] for q in captured.captured_queries if 'FROM "studies_study"' in q["sql"]
    ]
    assert study_reads == []
    assert Forecast.objects.filter(assignment=case_assignment).exists() is (action == "submit")
