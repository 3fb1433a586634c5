"""`seed_demo`'s team study: teams, a reveal, comments (one hidden), flagged updates, scores."""

from __future__ import annotations

import io

import pytest
from casecast.forecasts.models import Forecast
from casecast.studies.models import Study, StudyMembership
from casecast.teams import selectors
from casecast.teams.demo import TEAM_DEMO_SLUG
from casecast.teams.models import TeamComment, TeamMembership, TeamReveal
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_demo_shows_a_working_team_arm():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    study = Study.objects.get(slug=TEAM_DEMO_SLUG)
    assert f"/studies/{TEAM_DEMO_SLUG}/teams/" in out.getvalue()
    assert "Team arm member who has just answered part 1" in out.getvalue()
    members = TeamMembership.objects.filter(team__study=study)
    assert members.count() >= 3
    assert set(members.values_list("participant__arm__key", flat=True)) == {"teams"}
    assert TeamReveal.objects.filter(participant__study=study).exists()
    assert TeamComment.objects.filter(team__study=study, hidden_at__isnull=False).count() == 1
    assert TeamComment.objects.filter(team__study=study, hidden_at__isnull=True).exists()
    assert Forecast.objects.filter(participant__study=study, seen_team=True).exists()
    assert selectors.team_scores(study=study)
    committee = StudyMembership.objects.get(study=study, role=StudyMembership.Role.DMC)
    assert committee.user.email in out.getvalue()
    client = Client()
    client.force_login(committee.user)
    page = client.get(f"/studies/{TEAM_DEMO_SLUG}/teams/").content.decode()
    assert "Team Brier" in page and "Team 1" in page
    before = TeamMembership.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert TeamMembership.objects.count() == before
