"""Server-side timing of each part and case, stored for analysis."""

import pytest
from casecast.forecasts.models import StageVisit
from django.urls import reverse

from .conftest import stages_of, submit

pytestmark = pytest.mark.django_db


def test_first_view_is_recorded_once_and_starts_the_case(participant_client, case_assignment):
    assert case_assignment.started_at is None
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    participant_client.get(url)
    visit = StageVisit.objects.get()
    first_seen = visit.first_viewed_at
    participant_client.get(url)
    visit.refresh_from_db()
    assert StageVisit.objects.count() == 1 and visit.first_viewed_at == first_seen
    case_assignment.refresh_from_db()
    assert case_assignment.started_at == first_seen


def test_submission_time_is_recorded_per_part_and_case(participant_client, case_assignment):
    stages = stages_of(case_assignment)
    for part, stage in enumerate(stages, start=1):
        participant_client.get(reverse("forecasts:stage", args=[case_assignment.pk, part]))
        submit(case_assignment, stage)
    visits = list(StageVisit.objects.order_by("first_viewed_at"))
    assert [v.stage_id for v in visits] == [s.pk for s in stages]
    assert all(v.submitted_at >= v.first_viewed_at for v in visits)
    case_assignment.refresh_from_db()
    assert case_assignment.completed_at == visits[-1].submitted_at
    assert case_assignment.started_at == visits[0].first_viewed_at


def test_reading_a_locked_part_again_does_not_change_its_timing(
    participant_client, case_assignment
):
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    participant_client.get(url)
    submit(case_assignment, stages_of(case_assignment)[0])
    before = StageVisit.objects.values_list("first_viewed_at", "submitted_at").get()
    participant_client.get(url)
    assert StageVisit.objects.values_list("first_viewed_at", "submitted_at").get() == before
