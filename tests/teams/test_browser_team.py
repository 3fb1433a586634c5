"""Team arms in headless Chromium: the team is revealed only after one's own forecast, a
comment reaches the team, an update after the reveal is flagged, and staff hide a comment.

Every page is checked with axe-core (WCAG 2.2 AA); the team panel also at 320px wide.
"""

from __future__ import annotations

import re

import pytest
from casecast.accounts.links import participant_link_path
from casecast.forecasts.models import Forecast
from casecast.teams.services import team_comment_post
from playwright.sync_api import Page, expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.forecasts.conftest import valid_fields
from tests.teams.conftest import question, stages_of, start_case, submit_stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_part(page: Page, stage) -> None:
    for q in stage.questions.all():
        for name, value in valid_fields(q).items():
            page.locator(f"[name='{name}']").fill(value)
    page.get_by_role("button", name=re.compile("^Submit")).click()


def test_member_sees_the_team_only_after_answering_then_comments_and_is_flagged(
    page: Page, team_member, team_study, researcher
):
    me, mate = team_member("me@example.org"), team_member("mate@example.org")
    mine, theirs = start_case(me, team_study), start_case(mate, team_study)
    first = question(team_study, "rereferral-3m")
    submit_stage(theirs, stages_of(theirs)[0], **{f"q{first.pk}": "83"})
    panel = f"/cases/{mine.pk}/questions/{first.pk}/team/"

    page.goto(participant_link_path(user=me.user))
    page.goto(f"/cases/{mine.pk}/part/1/")
    expect(page.locator("#team-links")).to_have_count(0)
    assert "83%" not in page.content()
    response = page.goto(panel)
    assert response is not None and response.status == 403
    assert "83%" not in page.content()

    page.goto(f"/cases/{mine.pk}/part/1/")
    _fill_part(page, stages_of(mine)[0])
    expect(page.locator(".govuk-caption-l")).to_contain_text("Part 2 of 3")
    page.locator("#team-links").get_by_role("link", name=re.compile(first.text)).click()
    expect(page.get_by_role("heading", name="See your team's forecasts")).to_be_visible()
    assert "83%" not in page.content()  # seeing the team is the member's own choice
    assert_accessible(page)
    page.get_by_role("button", name="Show my team's forecasts").click()
    expect(page.get_by_role("heading", name="Your team's forecasts")).to_be_visible()
    expect(page.locator("#teammate-forecasts")).to_contain_text("Teammate B")
    expect(page.locator("#teammate-forecasts")).to_contain_text("83%")
    assert_accessible(page)

    page.get_by_role("button", name="Post comment").click()  # empty: a clear error
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a comment")
    assert_accessible(page)
    page.get_by_label("Add a comment for your team (optional)").fill("Attendance worries me.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#team-comments")).to_contain_text("Attendance worries me.")
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)

    for stage in stages_of(mine)[1:]:
        submit_stage(mine, stage)
    later = Forecast.objects.get(participant=me, question__key="rereferral-3m-later")
    assert later.seen_team is True


def test_staff_hide_a_comment_with_a_reason_and_members_see_the_notice(
    page: Page, team_member, team_study, researcher
):
    me, mate = team_member("me@example.org"), team_member("mate@example.org")
    first = question(team_study, "rereferral-3m")
    cases = {}
    for person in (me, mate):
        cases[person.pk] = start_case(person, team_study)
        submit_stage(cases[person.pk], stages_of(cases[person.pk])[0])
    team_comment_post(participant=me, question=first, text="The family live on Elm Road.")

    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(researcher.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/studies/"))
    page.goto(f"/studies/{team_study.slug}/teams/comments/")
    expect(page.locator("#comments")).to_contain_text("The family live on Elm Road.")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Hide")).click()
    page.get_by_role("button", name="Hide comment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are hiding this comment"
    )
    assert_accessible(page)
    page.get_by_label("Why are you hiding this comment?").fill("Gives an address")
    page.get_by_role("button", name="Hide comment").click()
    expect(page.locator("#comments")).to_contain_text("Hidden")
    expect(page.locator("#comments")).to_contain_text("Gives an address")
    page.goto(f"/studies/{team_study.slug}/teams/")
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto(participant_link_path(user=mate.user))
    page.goto(f"/cases/{cases[mate.pk].pk}/questions/{first.pk}/team/")
    page.get_by_role("button", name="Show my team's forecasts").click()
    expect(page.locator("#team-comments")).to_contain_text("Comment hidden by the research team")
    assert "Elm Road" not in page.content()
