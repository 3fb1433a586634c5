"""Teammates' forecasts show only after one's own; updates made after seeing them are flagged."""

from __future__ import annotations

import pytest
from casecast.forecasts.models import Forecast
from casecast.teams.models import TeamReveal
from django.urls import reverse

from tests.fixtures_studies import create_participant
from tests.teams.conftest import (
    client_for,
    question,
    reveal_team,
    stages_of,
    start_case,
    submit_stage,
)
from tests.teams.conftest import panel_url as _panel_url


def _two_members(team_member, team_study):
    me, mate = team_member("me@example.org"), team_member("mate@example.org")
    mine, theirs = start_case(me, team_study), start_case(mate, team_study)
    first = question(team_study, "rereferral-3m")
    submit_stage(theirs, stages_of(theirs)[0], **{f"q{first.pk}": "83"})
    return me, mine, first


def test_the_team_panel_is_refused_before_my_own_forecast(team_member, team_study):
    me, mine, first = _two_members(team_member, team_study)
    client = client_for(me)
    response = client.get(_panel_url(mine, first))
    assert response.status_code == 403
    assert reveal_team(me, mine, first).status_code == 403
    assert not TeamReveal.objects.filter(participant=me).exists()
    page = client.get(f"/cases/{mine.pk}/part/1/").content.decode()
    assert "83%" not in page and "Teammate" not in page and "/team/" not in page


def test_after_my_forecast_i_see_my_teammate_by_letter_and_the_look_is_recorded(
    team_member, team_study
):
    me, mine, first = _two_members(team_member, team_study)
    submit_stage(mine, stages_of(mine)[0], **{f"q{first.pk}": "20"})
    client = client_for(me)
    part_two = client.get(f"/cases/{mine.pk}/part/2/").content.decode()
    assert _panel_url(mine, first) in part_two  # the journey offers the team panel
    choice = client.get(_panel_url(mine, first)).content.decode()
    assert "Show my team's forecasts" in choice and "83%" not in choice
    assert not TeamReveal.objects.filter(participant=me).exists(), "opening the address is no look"
    response = client.post(_panel_url(mine, first), {"reveal": "1"})
    assert (response.status_code, response.url) == (302, _panel_url(mine, first))
    page = client.get(_panel_url(mine, first)).content.decode()
    assert "Teammate B" in page and "83%" in page
    assert "mate@example.org" not in page
    assert TeamReveal.objects.filter(participant=me, question=first).count() == 1
    again = client.post(_panel_url(mine, first), {"reveal": "1"})  # a second press
    assert (again.status_code, again.url) == (302, _panel_url(mine, first))
    assert TeamReveal.objects.filter(participant=me, question=first).count() == 1


def test_opening_the_team_address_without_choosing_flags_nothing(team_member, team_study):
    """A prefetch or a link opened by mistake must not mark later updates as influenced."""
    me, mine, first = _two_members(team_member, team_study)
    submit_stage(mine, stages_of(mine)[0])
    client_for(me).get(_panel_url(mine, first))
    for stage in stages_of(mine)[1:]:
        submit_stage(mine, stage)
    later = Forecast.objects.get(participant=me, question__key="rereferral-3m-later")
    assert later.seen_team is False


@pytest.mark.parametrize("version_loaded", [False, True], ids=["orm", "structure-cache"])
def test_an_update_after_seeing_the_team_is_flagged_and_one_without_is_not(
    team_member, team_study, version_loaded
):
    """With the assignment's version loaded (as the journey's pages have it) the earlier
    askings come from the structure cache; without it, from the ORM: the same flags."""
    me, mine, first = _two_members(team_member, team_study)
    other = team_member("other@example.org")
    theirs = start_case(other, team_study)
    for assignment in (mine, theirs):
        submit_stage(assignment, stages_of(assignment)[0])
    reveal_team(me, mine, first)  # only I choose to see the team
    later = question(team_study, "rereferral-3m-later")
    for assignment in (mine, theirs):
        if version_loaded:
            assert assignment.vignette_version.pk  # loads it, as `assignment_for_user` does
        for stage in stages_of(assignment)[1:]:
            # The form cannot set the flag: the server decides.
            submit_stage(assignment, stage, seen_team="1")
    mine_later = Forecast.objects.get(participant=me, question=later)
    theirs_later = Forecast.objects.get(participant=other, question=later)
    assert (mine_later.seen_team, theirs_later.seen_team) == (True, False)
    assert not Forecast.objects.filter(participant=me, seen_team=True).exclude(question=later)


def test_someone_outside_a_team_arm_has_no_team_panel(team_study):
    solo = create_participant(study=team_study, email="solo@example.org", arm="control")
    assignment = start_case(solo, team_study)
    first = question(team_study, "rereferral-3m")
    submit_stage(assignment, stages_of(assignment)[0])
    assert client_for(solo).get(_panel_url(assignment, first)).status_code == 404


def test_nobody_opens_another_members_panel(team_member, team_study):
    _me, mine, first = _two_members(team_member, team_study)
    submit_stage(mine, stages_of(mine)[0])
    stranger = team_member("stranger@example.org")
    assert client_for(stranger).get(_panel_url(mine, first)).status_code == 404


def test_the_team_panel_waits_like_the_case_does_when_changed_information_needs_agreeing(
    team_member, team_study
):
    from casecast.studies.services import consent_save

    me, mine, first = _two_members(team_member, team_study)
    submit_stage(mine, stages_of(mine)[0], **{f"q{first.pk}": "20"})
    consent_save(study=team_study, text="# New information", by=None, require_reconsent=True)
    response = client_for(me).get(_panel_url(mine, first))
    assert response.status_code == 302
    assert response.url == reverse("studies:consent", args=[team_study.slug])
    assert not TeamReveal.objects.filter(participant=me).exists()
