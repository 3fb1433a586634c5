"""The track-record and case feedback pages in a real browser: axe-clean, readable."""

import pytest
from django.urls import reverse
from sesame.utils import get_query_string

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.feedback_support import answer_phase, build_feedback_study
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user):
    page.goto(reverse("accounts:link") + get_query_string(user))


def test_track_record_page_has_no_wcag_22_aa_violations(page, researcher):
    study = build_feedback_study(by=researcher)
    participant = create_participant(study=study, email="cal@example.org", arm="calibration")
    answer_phase(participant, 1)
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:track_record"))
    assert page.locator("h1").inner_text() == "Your track record"
    assert page.locator("svg.cc-chart").count() == 1
    assert page.locator("[data-calibration-table] tbody tr").count() == 5
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)


def test_case_feedback_page_has_no_wcag_22_aa_violations(page, researcher):
    study = build_feedback_study(by=researcher, timing="immediately")
    participant = create_participant(study=study, email="out@example.org", arm="outcome")
    answer_phase(participant, 1)
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:case", args=[participant.assignments.get().pk]))
    assert "Your score:" in page.content()
    assert_accessible(page)
