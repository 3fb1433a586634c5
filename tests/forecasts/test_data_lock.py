"""Once a study's data are locked (docs/analysis.md) the journey accepts nothing more,
and says so politely: submissions and drafts are refused and nothing is written."""

from __future__ import annotations

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Draft, Forecast
from casecast.studies.models import Study
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
