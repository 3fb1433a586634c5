"""Drafts: saved on the server without validation, restored on return, gone after submit."""

import uuid

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Draft, Forecast
from django.urls import reverse

from .conftest import stages_of

pytestmark = pytest.mark.django_db


def test_draft_keeps_half_typed_answers_without_checking_them(case_assignment):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    services.draft_save(
        assignment=case_assignment,
        stage=first,
        answers={f"q{binary.pk}": "100", "unrelated": "x", "idempotency_key": "not-a-uuid"},
    )
    draft = Draft.objects.get()
    assert draft.answers == {f"q{binary.pk}": "100"}


def test_saving_again_replaces_the_draft(case_assignment):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    key = str(uuid.uuid4())
    services.draft_save(assignment=case_assignment, stage=first, answers={f"q{binary.pk}": "4"})
    services.draft_save(
        assignment=case_assignment,
        stage=first,
        answers={f"q{binary.pk}": "45", "idempotency_key": key},
    )
    assert Draft.objects.get().answers == {f"q{binary.pk}": "45", "idempotency_key": key}


def test_save_and_come_back_later_keeps_typing_and_returns_to_task_list(
    participant_client, case_assignment
):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    key = str(uuid.uuid4())
    response = participant_client.post(
        url, {f"q{binary.pk}": "0", "action": "save", "idempotency_key": key}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("forecasts:tasks")
    assert "Your answers have been saved" in response.content.decode()
    assert not Forecast.objects.exists()
    page = participant_client.get(url).content.decode()
    assert (
        f'name="q{binary.pk}" type="text" inputmode="numeric" spellcheck="false" '
        'autocomplete="off" value="0"' in page
    )
    assert f'name="idempotency_key" value="{key}"' in page


def test_invalid_submit_also_saves_the_draft(participant_client, case_assignment):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    response = participant_client.post(
        url, {f"q{binary.pk}": "55", "idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    assert Draft.objects.get().answers[f"q{binary.pk}"] == "55"


def test_autosave_endpoint_answers_json_with_the_time(participant_client, case_assignment):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind="binary")
    url = reverse("forecasts:draft", args=[case_assignment.pk, 1])
    response = participant_client.post(url, {f"q{binary.pk}": "12"})
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True and len(body["saved_at"]) == 5
    assert Draft.objects.get().answers == {f"q{binary.pk}": "12"}


def test_autosave_refused_once_the_part_is_submitted(participant_client, case_assignment):
    from .conftest import submit

    submit(case_assignment, stages_of(case_assignment)[0])
    url = reverse("forecasts:draft", args=[case_assignment.pk, 1])
    response = participant_client.post(url, {"q1": "12"})
    assert response.status_code == 409
    assert not Draft.objects.exists()


def test_autosave_needs_the_csrf_token(participant_ready, case_assignment):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(participant_ready.user)
    url = reverse("forecasts:draft", args=[case_assignment.pk, 1])
    assert client.post(url, {"q1": "12"}).status_code == 403
