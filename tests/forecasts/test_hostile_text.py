"""NUL bytes typed or pasted into a case page: refused, never stored (PostgreSQL cannot
store NUL in text, so storing it there is a server error).
"""

import uuid

import pytest
from casecast.forecasts.models import Draft, Forecast
from django.urls import reverse

from .conftest import answers_for, stages_of

pytestmark = pytest.mark.django_db


def _stored_nul() -> bool:
    drafts = [str(value) for d in Draft.objects.all() for value in d.answers.values()]
    reasons = list(Forecast.objects.values_list("rationale", flat=True))
    return any("\x00" in text for text in drafts + reasons)


def _binary_field(assignment) -> str:
    return f"q{stages_of(assignment)[0].questions.get(kind='binary').pk}"


def test_draft_autosave_refuses_a_nul_byte(participant_client, case_assignment):
    url = reverse("forecasts:draft", args=[case_assignment.pk, 1])
    response = participant_client.post(url, {_binary_field(case_assignment): "4\x005"})
    assert response.status_code < 500
    assert not _stored_nul()


def test_a_failed_submit_does_not_keep_a_nul_byte_in_the_draft(participant_client, case_assignment):
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    data = {_binary_field(case_assignment): "\x00", "idempotency_key": str(uuid.uuid4())}
    response = participant_client.post(url, data)
    assert response.status_code < 500
    assert not _stored_nul()


def test_reasoning_text_with_a_nul_byte_is_refused(participant_client, case_assignment):
    stage = next(
        s for s in stages_of(case_assignment) if s.questions.filter(kind="rationale").exists()
    )
    rationale = stage.questions.get(kind="rationale")
    data = {**answers_for(stage.questions.all()), "idempotency_key": str(uuid.uuid4())}
    data[f"q{rationale.pk}"] = "Because\x00of the history"
    for earlier in stages_of(case_assignment):
        if earlier.position >= stage.position:
            break
        participant_client.post(
            reverse("forecasts:stage", args=[case_assignment.pk, earlier.position]),
            {**answers_for(earlier.questions.all()), "idempotency_key": str(uuid.uuid4())},
        )
    url = reverse("forecasts:stage", args=[case_assignment.pk, stage.position])
    response = participant_client.post(url, data)
    assert response.status_code < 500
    assert not _stored_nul()
