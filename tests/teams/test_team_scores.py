"""The team aggregate is scored like a member; members see it only if their arm allows it."""

from __future__ import annotations

import pytest
from casecast.studies.models import Arm, Study, StudyMembership
from casecast.teams import selectors
from django.test import Client
from django.utils import timezone

from tests.teams.conftest import (
    client_for,
    panel_url,
    question,
    reveal_team,
    stages_of,
    start_case,
    submit_stage,
)


@pytest.fixture
def scored_team(team_member, team_study, django_capture_on_commit_callbacks):
    """Three teammates (councils N, W, N: one team) answer `rereferral-3m` (outcome: yes)
    with 20%, 50% and 80%."""
    q = question(team_study, "rereferral-3m")
    assert q.outcome_binary is True
    cases = []
    councils = ("Northshire County Council", "Westbridge Borough Council")
    for n, pct in enumerate(("20", "50", "80")):
        member = team_member(f"m{n}@example.org", councils[n % 2])
        assignment = start_case(member, team_study)
        with django_capture_on_commit_callbacks(execute=True):
            submit_stage(assignment, stages_of(assignment)[0], **{f"q{q.pk}": pct})
        cases.append((member, assignment))
    return cases, q


def test_team_brier_is_the_brier_of_the_mean_forecast(scored_team, team_study):
    # By hand: mean of 0.2, 0.5, 0.8 is 0.5; (0.5 - 1)^2 = 0.25. Members:
    # (0.2-1)^2 = 0.64, (0.5-1)^2 = 0.25, (0.8-1)^2 = 0.04; their mean is 0.31.
    (score,) = selectors.team_scores(study=team_study)
    assert score.questions == 1
    assert score.team_brier == pytest.approx(0.25)
    assert score.member_brier == pytest.approx(0.31)


def _committee_client(study, researcher) -> Client:
    member = StudyMembership.objects.create(
        study=study,
        user=type(researcher).objects.create_user(email="dmc@example.org", password="x" * 12),
        role="dmc",
    )
    client = Client()
    client.force_login(member.user)
    return client


def test_the_committee_sees_team_and_member_brier_side_by_side(scored_team, team_study, researcher):
    page = _committee_client(team_study, researcher).get(f"/studies/{team_study.slug}/teams/")
    assert "0.250" in page.content.decode() and "0.310" in page.content.decode()


def test_once_unblinded_the_team_sees_team_and_member_brier_side_by_side(
    scored_team, team_study, researcher
):
    Study.objects.filter(pk=team_study.pk).update(
        status=Study.Status.CLOSED, data_locked_at=timezone.now(), unblinded_at=timezone.now()
    )
    client = Client()
    client.force_login(researcher)
    page = client.get(f"/studies/{team_study.slug}/teams/").content.decode()
    assert "0.250" in page and "0.310" in page and "Team forecasting" in page


def test_members_see_the_team_score_under_outcome_feedback_once_outcomes_are_released(
    scored_team, team_study
):
    Study.objects.filter(pk=team_study.pk).update(outcome_release="immediately")
    (member, assignment), q = scored_team[0][0], scored_team[1]
    assert reveal_team(member, assignment, q).status_code == 302
    page = client_for(member).get(panel_url(assignment, q))
    assert "0.250" in page.content.decode()


def test_members_of_an_arm_without_outcome_feedback_never_see_it(scored_team, team_study):
    Study.objects.filter(pk=team_study.pk).update(outcome_release="immediately")
    Arm.objects.filter(study=team_study, key="team").update(feedback_policies=[])
    (member, assignment), q = scored_team[0][0], scored_team[1]
    assert reveal_team(member, assignment, q).status_code == 302
    page = client_for(member).get(panel_url(assignment, q))
    assert "0.250" not in page.content.decode()
    assert "How your team did" not in page.content.decode()


def test_members_do_not_see_it_before_the_study_releases_the_outcome(scored_team):
    # The default release is after the phase, and the phase is not finished.
    (member, assignment), q = scored_team[0][0], scored_team[1]
    assert reveal_team(member, assignment, q).status_code == 302
    page = client_for(member).get(panel_url(assignment, q))
    assert "How your team did" not in page.content.decode()


def test_while_blinded_the_team_sees_no_team_arm_code_members_or_scores(
    scored_team, team_study, researcher
):
    """Only a team arm has teams: its code beside the teams, or scores by team, would
    unblind every coded page and export."""
    client = Client()
    client.force_login(researcher)
    page = client.get(f"/studies/{team_study.slug}/teams/").content.decode()
    code = Arm.objects.get(study=team_study, key="team").blind_code
    assert f"Arm {code}" not in page and "Team forecasting" not in page
    assert "0.250" not in page and "0.310" not in page
    assert "shown only to the data monitoring committee" in page
    committee = _committee_client(team_study, researcher)
    assert (
        "Team forecasting" in committee.get(f"/studies/{team_study.slug}/teams/").content.decode()
    )


def test_the_study_page_leads_to_the_teams_page_only_for_a_study_with_a_team_arm(
    team_study, researcher
):
    client = Client()
    client.force_login(researcher)
    teams = f"/studies/{team_study.slug}/teams/"
    assert teams in client.get(f"/studies/{team_study.slug}/").content.decode()
    Arm.objects.filter(study=team_study).update(team_size=None)
    assert teams not in client.get(f"/studies/{team_study.slug}/").content.decode()
