"""`manage.py prepare_load`: N participants ready to start their cases, and a second run
resets what the first run's participants did."""

from __future__ import annotations

import pytest
from casecast.core.load_study import LOAD_SLUG
from casecast.forecasts import services as journey
from casecast.forecasts.models import Assignment, Forecast
from casecast.studies.models import Allocation, Participant, Phase
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def prepare(tmp_path, n: int) -> list[str]:
    links = tmp_path / "links.txt"
    call_command("prepare_load", participants=n, links=links)
    return links.read_text().split()


def test_participants_are_ready_to_start_and_randomised(tmp_path):
    links = prepare(tmp_path, 6)
    people = Participant.objects.filter(study__slug=LOAD_SLUG)
    assert len(links) == people.count() == 6
    for person in people:
        assert person.consented_at and person.baseline_completed_at and person.arm_id
        assert person.status == Participant.Status.RANDOMISED
    allocations = Allocation.objects.filter(study__slug=LOAD_SLUG).order_by("sequence")
    assert [a.sequence for a in allocations] == list(range(6))
    assert {a.participant_id: a.arm_id for a in allocations} == dict(
        people.values_list("pk", "arm_id")
    )
    assert not Assignment.objects.filter(participant__in=people).exists()


def test_a_link_signs_the_participant_in_and_their_cases_can_start(tmp_path):
    links = prepare(tmp_path, 2)
    client = Client()
    assert client.get(links[0])["Location"] == "/home/"
    page = client.get("/cases/").content.decode()
    assert "/cases/phase/" in page  # the phase is ready to start


def test_running_it_again_resets_the_work_and_keeps_the_participants(tmp_path):
    prepare(tmp_path, 3)
    person = Participant.objects.filter(study__slug=LOAD_SLUG).order_by("pk").first()
    phase = Phase.objects.get(study__slug=LOAD_SLUG)
    assignment = journey.phase_start(participant=person, phase=phase)[0]
    journey.stage_view_record(
        assignment=assignment, stage=assignment.vignette_version.stages.first()
    )
    before = set(Participant.objects.filter(study__slug=LOAD_SLUG).values_list("pk", "arm_id"))
    links = prepare(tmp_path, 3)
    assert len(links) == 3
    assert (
        set(Participant.objects.filter(study__slug=LOAD_SLUG).values_list("pk", "arm_id")) == before
    )
    assert not Assignment.objects.filter(participant__study__slug=LOAD_SLUG).exists()
    assert not Forecast.objects.filter(participant__study__slug=LOAD_SLUG).exists()


def test_zero_participants_is_refused():
    with pytest.raises(CommandError, match="at least one participant"):
        call_command("prepare_load", participants=0)
    assert not Participant.objects.filter(study__slug=LOAD_SLUG).exists()
