"""Demo progress: one participant part-way through a case, seeded idempotently."""

import pytest
from casecast.forecasts import selectors
from casecast.forecasts.demo import DEMO_PROGRESS_EMAIL, seed_demo_progress
from casecast.forecasts.models import Assignment, Draft, Forecast

pytestmark = pytest.mark.django_db


def test_seed_gives_one_started_case_and_is_idempotent(demo_bank_loaded, make_participant):
    person = make_participant(study=demo_bank_loaded, email=DEMO_PROGRESS_EMAIL, stage="baseline")
    seed_demo_progress(study=demo_bank_loaded)
    counts = (Assignment.objects.count(), Forecast.objects.count(), Draft.objects.count())
    seed_demo_progress(study=demo_bank_loaded)
    assert (Assignment.objects.count(), Forecast.objects.count(), Draft.objects.count()) == counts
    assert counts[0] >= 1 and counts[1] >= 1 and counts[2] == 1
    tasks = selectors.task_list(participant=person)
    assert tasks.started == 1
    progress = selectors.case_progress(assignment=tasks.next_assignment)
    assert progress.part_number(progress.current_stage) == 2


def test_seed_does_nothing_without_its_participant(demo_bank_loaded):
    seed_demo_progress(study=demo_bank_loaded)
    assert not Assignment.objects.exists()
